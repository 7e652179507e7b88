# Image of one Samla service, chosen by build arguments (docker-compose.yml passes them).
# Build from the repository root, because the service installs the shared package too:
#   docker build --build-arg SERVICE=enrollment --build-arg PORT=8001 -t samla/enrollment:local .
FROM python:3.11-slim

# Which service (services/<SERVICE>, package samla_<SERVICE>) and its contract port.
ARG SERVICE
ARG PORT

# No .pyc files in the image, unbuffered logs (they go straight to docker logs),
# and no pip cache or version check to keep the layer small and the build quiet.
# SAMLA_SERVICE and SAMLA_PORT keep the arguments for the health check and the command.
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
RUN pip install -c constraints.txt ./shared ./services/${SERVICE}

# Run unprivileged: the service needs no root rights, and a compromised process should
# not own the container.
RUN useradd --system --user-group --uid 10001 --no-create-home --shell /usr/sbin/nologin samla
USER samla

EXPOSE ${PORT}

# Ready means Kafka and MongoDB answer (/health/ready returns 503 until then; urlopen
# raises on it). Python instead of curl: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/ready' % os.environ['SAMLA_PORT'], timeout=4)"]

# Through sh for the variables; exec so uvicorn is PID 1 and gets docker's SIGTERM itself.
CMD ["sh", "-c", "exec uvicorn \"samla_${SAMLA_SERVICE}.entrypoints.app:create_app\" --factory --host 0.0.0.0 --port \"${SAMLA_PORT}\""]
