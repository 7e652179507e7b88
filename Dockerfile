# Image of one Samla deployable, chosen by build arguments (docker-compose.yml passes them).
# Build from the repository root, because every image installs the shared package too:
#   docker build --build-arg SERVICE=enrollment --build-arg PORT=8001 -t samla/enrollment:local .
# The web portal is the same recipe with its CSS from npm and uvicorn behind a proxy:
#   docker build --build-arg SERVICE=portal --build-arg PORT=8000 --build-arg ASSETS=portal \
#     --build-arg UVICORN_OPTIONS=--proxy-headers -t samla/portal:local .

# Which stage supplies the files a package needs that are not Python: `none` for the four API
# services, `portal` for the portal's Designsystemet CSS. Only the stage named is built (BuildKit).
ARG ASSETS=none

# Designsystemet's CSS comes from npm, pinned by package-lock.json, as `make install` does locally.
# The files are laid out as they go under services/ in the image.
FROM node:22-slim AS assets-portal
WORKDIR /build
COPY services/portal/package.json services/portal/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
 && vendor=/assets/portal/samla_portal/static/vendor \
 && mkdir -p $vendor \
 && cp node_modules/@digdir/designsystemet-css/dist/src/index.css $vendor/designsystemet.css \
 && cp node_modules/@digdir/designsystemet-theme/src/themes/designsystemet.css $vendor/designsystemet-theme.css \
 && cp node_modules/@digdir/designsystemet-css/LICENSE $vendor/LICENSE.designsystemet

FROM python:3.11-slim AS assets-none
RUN mkdir /assets

FROM assets-${ASSETS} AS assets

FROM python:3.11-slim

# Which deployable (services/<SERVICE>, package samla_<SERVICE>), its contract port, and
# uvicorn's extra options (the portal: --proxy-headers, for the address and scheme people used).
ARG SERVICE
ARG PORT
ARG UVICORN_OPTIONS=""

# No .pyc files in the image, unbuffered logs (they go straight to docker logs),
# and no pip cache or version check to keep the layer small and the build quiet.
# SAMLA_SERVICE, SAMLA_PORT and SAMLA_UVICORN_OPTIONS keep the arguments for the health check and the command.
ENV SAMLA_UVICORN_OPTIONS="${UVICORN_OPTIONS}"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SAMLA_SERVICE=${SERVICE} \
    SAMLA_PORT=${PORT}

WORKDIR /opt/samla

# Fail the build at once, not the container at start, when an argument is missing.
RUN test -n "$SERVICE" && test -n "$PORT" || { echo "build with --build-arg SERVICE=<name> --build-arg PORT=<port>"; exit 1; }

# Attendance sheets and certificates embed DejaVu Sans, so æ ø å print (samla_shared.documents.pdf).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The constraints file pins every dependency, so the image runs the versions CI tested.
COPY constraints.txt ./constraints.txt
COPY shared/ ./shared/
COPY services/${SERVICE}/ ./services/${SERVICE}/
# What the assets stage built goes into the package before it is installed (nothing for the APIs).
# Not editable: the vendored CSS must travel inside the installed package.
COPY --from=assets /assets/ ./services/
RUN pip install -c constraints.txt ./shared ./services/${SERVICE}

# Run unprivileged: the service needs no root rights, and a compromised process should
# not own the container.
RUN useradd --system --user-group --uid 10001 --no-create-home --shell /usr/sbin/nologin samla
USER samla

EXPOSE ${PORT}

# Ready means Kafka and MongoDB answer (/health/ready returns 503 until then; urlopen
# raises on it); for the portal, the identity provider's discovery document. Python instead
# of curl: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/ready' % os.environ['SAMLA_PORT'], timeout=4)"]

# Through sh for the variables; exec so uvicorn is PID 1 and gets docker's SIGTERM itself.
CMD ["sh", "-c", "exec uvicorn \"samla_${SAMLA_SERVICE}.entrypoints.app:create_app\" --factory --host 0.0.0.0 --port \"${SAMLA_PORT}\" ${SAMLA_UVICORN_OPTIONS}"]
