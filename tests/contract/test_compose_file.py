"""docker-compose.yml keeps the promises of the public contract.

There is no Docker engine on the development and CI machines, so nobody here ever runs
the compose file; a mistake in it (a misspelt variable that pydantic-settings silently
ignores, a port that does not match the contract, a topic the broker never gets) would
only surface on a user's machine. These tests read the file, and the files it points to,
and check what a user relies on. No network, no Docker.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import shlex
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
TOPICS_FILE = REPO_ROOT / "infra" / "topics.yaml"
CREATE_TOPICS_SCRIPT = REPO_ROOT / "infra" / "compose" / "create-topics.sh"
COLLECTOR_CONFIG = REPO_ROOT / "infra" / "otel-collector.yaml"
# One image recipe for every deployable, chosen by the build arguments SERVICE and PORT (the
# portal also ASSETS, the stage that copies its CSS from npm, and UVICORN_OPTIONS).
DOCKERFILE = REPO_ROOT / "Dockerfile"

# Public contract v1: where each deployable listens on a local run (the portal's pages and the four APIs).
CONTRACT_PORTS = {"portal": 8000, "enrollment": 8001, "sessions": 8002, "measures": 8003, "notifications": 8004}
# The four API services: each owns a database and a Kafka principal; the portal has neither.
APIS = {name: port for name, port in CONTRACT_PORTS.items() if name != "portal"}

# Infrastructure the services wait for before they start.
HEALTHY_DEPENDENCIES = ("kafka", "mongo")
TOPICS_JOB = "kafka-init"

# Settings fields whose value names another container; the host must be a compose service.
ADDRESS_FIELDS = ("kafka_bootstrap_servers", "mongo_url", "otlp_endpoint", "smtp_host")


# --- reading the files ---------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def built_services(compose: dict) -> dict[str, str]:
    """Compose service -> the Samla deployable it builds (the root Dockerfile with SERVICE=<x>)."""
    found = {}
    for name, service in compose["services"].items():
        build = service.get("build")
        if build is None:
            continue
        assert isinstance(build, dict), f"{name} builds from {build!r}"
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile", (
            f"{name} builds from {build!r}, not from the root Dockerfile")
        found[name] = build["args"]["SERVICE"]
    return found


def built_apis(compose: dict) -> dict[str, str]:
    return {name: service for name, service in built_services(compose).items() if service in APIS}


def rendered_dockerfile(service: str, port: int, uvicorn_options: str = "") -> str:
    """The Dockerfile as docker reads it for one service: build arguments and the ENV
    values taken from them substituted (enough to check what each image runs)."""
    values = {"SERVICE": service, "PORT": str(port), "SAMLA_SERVICE": service, "SAMLA_PORT": str(port),
              "UVICORN_OPTIONS": uvicorn_options, "SAMLA_UVICORN_OPTIONS": uvicorn_options}
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), DOCKERFILE.read_text())


def environment_of(service: dict) -> dict[str, str]:
    """Compose accepts `environment` as a mapping or as a list of KEY=VALUE; read both."""
    env = service.get("environment") or {}
    if isinstance(env, dict):
        return {key: "" if value is None else str(value) for key, value in env.items()}
    pairs = (item.split("=", 1) for item in env)
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def published_ports(service: dict) -> list[tuple[int, int]]:
    """(host port, container port) pairs from short ("[ip:]host:container") or long syntax."""
    pairs = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            pairs.append((int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).split("/", 1)[0].split(":")
        assert len(parts) >= 2, f"port {entry!r} is not published on a fixed host port"
        pairs.append((int(parts[-2]), int(parts[-1])))
    return pairs


@pytest.fixture(scope="module")
def settings_classes() -> dict[str, type]:
    """Samla service -> its Settings class, importing from the source tree if not installed.

    The packages may not be installed in the venv yet; the source tree is what compose
    builds anyway, so put it on sys.path for the duration of this module only.
    """
    with pytest.MonkeyPatch.context() as patch:
        for folder in [REPO_ROOT / "shared", *(REPO_ROOT / "services" / name for name in CONTRACT_PORTS)]:
            patch.syspath_prepend(str(folder))
        classes = {}
        for name in CONTRACT_PORTS:
            module = importlib.import_module(f"samla_{name}.settings")
            candidates = [
                value
                for attr, value in vars(module).items()
                if attr.endswith("Settings")
                and isinstance(value, type)
                and value.__module__ == module.__name__
                and hasattr(value, "model_fields")
            ]
            assert len(candidates) == 1, f"samla_{name}.settings should define one *Settings class, found {candidates}"
            classes[name] = candidates[0]
        return classes


def env_prefix(settings_class: type) -> str:
    return settings_class.model_config.get("env_prefix", "")


# --- the variable check, kept separate so it can be shown to catch a mistake ---------------


def unknown_settings_variables(compose: dict, settings_classes: dict[str, type]) -> list[str]:
    """Variables that look like a service setting (by prefix) but match no Settings field.

    pydantic-settings ignores unknown variables (extra="ignore"), so a typo such as
    ENROLLMENT_MONGO_URI would leave the default in place without any error.
    """
    prefixes = {env_prefix(cls).upper(): cls for cls in settings_classes.values()}
    problems = []
    for service_name, service in compose["services"].items():
        for variable in environment_of(service):
            for prefix, cls in prefixes.items():
                if not variable.startswith(prefix):
                    continue
                field = variable[len(prefix):].lower()
                if field not in cls.model_fields:
                    problems.append(f"{service_name}: {variable} is not a field of {cls.__name__}")
    return problems


# --- tests ---------------------------------------------------------------------------------


def test_compose_builds_the_portal_and_each_of_the_four_services_from_the_one_dockerfile(compose):
    built = built_services(compose)
    assert sorted(built.values()) == sorted(CONTRACT_PORTS)
    assert DOCKERFILE.is_file()
    # The deployables differ only in name, port, the portal's CSS stage and uvicorn's options,
    # so they share the one Dockerfile with build arguments.
    own = [path.parent.name for path in REPO_ROOT.glob("services/*/Dockerfile")]
    assert own == [], f"one Dockerfile with build arguments for every deployable, not one each: {own}"
    for compose_name, service in built.items():
        # Same name in compose and in services/, so `docker compose logs enrollment` means what it says.
        assert compose_name == service
        assert (REPO_ROOT / "services" / service / f"samla_{service}").is_dir()
        # The Dockerfiles copy shared/ and constraints.txt: only the repository root holds both.
        assert compose["services"][compose_name]["build"]["context"] in (".", "./")
        assert str(compose["services"][compose_name]["build"]["args"]["PORT"]) == str(CONTRACT_PORTS[service])


def test_every_service_is_published_on_its_contract_port(compose):
    for compose_name, service in built_services(compose).items():
        port = CONTRACT_PORTS[service]
        assert published_ports(compose["services"][compose_name]) == [(port, port)], compose_name


def test_every_image_serves_its_package_on_its_contract_port():
    for service, port in APIS.items():
        text = rendered_dockerfile(service, port)
        assert re.search(r"^FROM python:3\.11-slim\b", text, re.M), service
        assert f"pip install -c constraints.txt ./shared ./services/{service}" in text, service
        assert re.search(rf"^EXPOSE {port}$", text, re.M), service
        assert re.search(r"^USER (?!root\b|0\b)\S+", text, re.M), f"{service} runs as root"
        # The health check and the command read the service and port from the environment.
        assert f"SAMLA_SERVICE={service} " in text and f"SAMLA_PORT={port}\n" in text, service
        healthcheck = re.search(r"^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$", text, re.M)
        assert healthcheck, service
        # Docker reads the exec form as JSON: a string that is not JSON would run as a shell line.
        probe = json.loads(healthcheck.group(1))[-1]
        assert "/health/ready" in probe and "os.environ['SAMLA_PORT']" in probe, service
        cmd = re.search(r"^CMD (\[.*\])$", text, re.M)
        assert cmd, service
        shell, flag, line = json.loads(cmd.group(1))
        assert (shell, flag) == ("sh", "-c"), service
        assert shlex.split(line) == [
            "exec", "uvicorn", f"samla_{service}.entrypoints.app:create_app", "--factory",
            "--host", "0.0.0.0", "--port", str(port),
        ]


def test_the_portal_image_serves_the_portal_on_its_contract_port(compose):
    args = compose["services"]["portal"]["build"]["args"]
    assert (args["SERVICE"], str(args["PORT"])) == ("portal", "8000")
    text = rendered_dockerfile("portal", 8000, args["UVICORN_OPTIONS"])
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert "pip install -c constraints.txt ./shared ./services/portal" in text
    assert re.search(r"^EXPOSE 8000$", text, re.M)
    assert re.search(r"^USER (?!root\b|0\b)\S+", text, re.M), "the portal runs as root"
    assert "SAMLA_PORT=8000\n" in text
    healthcheck = re.search(r"^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$", text, re.M)
    probe = json.loads(healthcheck.group(1))[-1]
    assert "127.0.0.1:%s/health/ready" in probe and "os.environ['SAMLA_PORT']" in probe
    shell, flag, line = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    assert (shell, flag) == ("sh", "-c")
    cmd = shlex.split(line)
    assert cmd[:5] == ["exec", "uvicorn", "samla_portal.entrypoints.app:create_app", "--factory", "--host"]
    assert cmd[cmd.index("--port") + 1] == "8000"
    assert "--proxy-headers" in cmd
    # Its CSS: the Node stage ASSETS=portal selects, copied into the package before it is installed.
    assert args["ASSETS"] == "portal"
    assert re.search(r"^FROM node:\S+ AS assets-portal$", text, re.M)
    assert re.search(r"^FROM assets-\$\{ASSETS\} AS assets$", text, re.M)
    assert "/assets/portal/samla_portal/static/vendor" in text
    assert text.index("COPY --from=assets /assets/ ./services/") < text.index("pip install -c constraints.txt")


def test_the_portal_reaches_the_four_apis_and_the_issuer_by_compose_service_name(compose, settings_classes):
    names = set(compose["services"])
    env = environment_of(compose["services"]["portal"])
    for api in APIS:
        host = urlsplit(env[f"PORTAL_{api.upper()}_URL"])
        assert (host.hostname, host.port) == (api, APIS[api]), api
    for variable in ("PORTAL_OIDC_INTERNAL_URL", "PORTAL_AUTH_CLIENT_CREDENTIALS_URL", "PORTAL_OTLP_ENDPOINT"):
        assert urlsplit(env[variable]).hostname in names, variable
    # Browsers are sent to the issuer the services trust (the tokens' `iss`), on the host's port.
    assert env["PORTAL_OIDC_ISSUER"] == environment_of(compose["services"]["enrollment"])["ENROLLMENT_AUTH_ISSUER"]
    assert urlsplit(env["PORTAL_PUBLIC_URL"]).port == CONTRACT_PORTS["portal"]
    # The session cookie's key comes from .env, never from this file.
    assert env["PORTAL_SESSION_SECRET"].startswith("${PORTAL_SESSION_SECRET:?")
    depends_on = compose["services"]["portal"]["depends_on"]
    assert all(depends_on[api]["condition"] == "service_healthy" for api in APIS)
    assert "kafka" not in depends_on and "PORTAL_MONGO_URL" not in env  # it keeps no data of its own


def test_every_settings_class_reads_the_prefix_compose_uses(settings_classes):
    for service, cls in settings_classes.items():
        assert env_prefix(cls) == f"{service.upper()}_", cls.__name__


def test_every_service_variable_exists_in_its_settings(compose, settings_classes):
    assert unknown_settings_variables(compose, settings_classes) == []


def test_the_variable_check_reports_a_setting_that_does_not_exist(compose, settings_classes):
    # Guard against a checker that passes because it looks at nothing.
    broken = copy.deepcopy(compose)
    environment = broken["services"]["enrollment"].setdefault("environment", {})
    if isinstance(environment, dict):
        environment["ENROLLMENT_NOT_A_SETTING"] = "x"
    else:
        environment.append("ENROLLMENT_NOT_A_SETTING=x")

    problems = unknown_settings_variables(broken, settings_classes)

    assert problems == ["enrollment: ENROLLMENT_NOT_A_SETTING is not a field of EnrollmentSettings"]


def test_every_service_reaches_its_infrastructure_by_compose_service_name(compose, settings_classes):
    # A host that is not a compose service would resolve to nothing inside the network.
    names = set(compose["services"])
    for compose_name, service in built_apis(compose).items():
        env = environment_of(compose["services"][compose_name])
        prefix = env_prefix(settings_classes[service])
        assert f"{prefix}KAFKA_BOOTSTRAP_SERVERS" in env and f"{prefix}MONGO_URL" in env, compose_name
        for field in ADDRESS_FIELDS:
            value = env.get(prefix + field.upper())
            if not value:
                continue
            for address in re.sub(r"\$\{[^}]*\}", "from-env", value).split(","):  # `${X:?…}` reads as a query
                host = urlsplit(address if "://" in address else f"//{address}").hostname
                assert host in names, f"{compose_name}: {prefix}{field.upper()} points at {host!r}"


def test_every_service_checks_its_readiness_endpoint(compose):
    for compose_name, service in built_services(compose).items():
        healthcheck = compose["services"][compose_name].get("healthcheck")
        assert healthcheck, f"{compose_name} has no healthcheck"
        test = " ".join(healthcheck["test"]) if isinstance(healthcheck["test"], list) else healthcheck["test"]
        assert f":{CONTRACT_PORTS[service]}/health/ready" in test, compose_name


def test_every_service_waits_for_healthy_kafka_and_mongo_and_created_topics(compose):
    for compose_name in built_apis(compose):
        depends_on = compose["services"][compose_name].get("depends_on")
        assert isinstance(depends_on, dict), f"{compose_name} must use the long depends_on form with conditions"
        for dependency in HEALTHY_DEPENDENCIES:
            assert depends_on.get(dependency, {}).get("condition") == "service_healthy", (compose_name, dependency)
        assert depends_on.get(TOPICS_JOB, {}).get("condition") == "service_completed_successfully", compose_name


def test_every_dependency_awaited_as_healthy_has_a_healthcheck(compose):
    # Without one, `docker compose up` refuses to start the dependent service.
    for name, service in compose["services"].items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in compose["services"], f"{name} depends on unknown {dependency}"
            if isinstance(spec, dict) and spec.get("condition") == "service_healthy":
                assert compose["services"][dependency].get("healthcheck"), f"{dependency} has no healthcheck"


def test_infrastructure_uses_the_official_images(compose):
    services = compose["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services[TOPICS_JOB]["image"] == services["kafka"]["image"]
    assert services["mongo"]["image"].startswith("mongo:")
    assert re.fullmatch(r"jaegertracing/jaeger:2\.[\w.-]+", services["jaeger"]["image"])
    assert services["otel-collector"]["image"].startswith("otel/opentelemetry-collector-contrib:")


def test_kafka_creates_no_topic_on_its_own(compose):
    # Topics come from infra/topics.yaml only, as in the local stack.
    assert str(compose["services"]["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]).lower() == "false"


def test_created_topics_match_the_declared_topics_and_their_dead_letters():
    spec = yaml.safe_load(TOPICS_FILE.read_text())
    expected = {}
    for topic in spec["topics"]:
        expected[topic["name"]] = (
            topic.get("partitions", spec["defaults"]["partitions"]),
            topic.get("retention_ms", spec["defaults"]["retention_ms"]),
        )
        expected[f"{topic['name']}.dlq"] = (spec["dlq"]["partitions"], spec["dlq"]["retention_ms"])

    created = {
        name: (int(partitions), int(retention))
        for name, partitions, retention in re.findall(
            r"^\s*create_topic\s+(\S+)\s+(\d+)\s+(\d+)\s*$", CREATE_TOPICS_SCRIPT.read_text(), re.M
        )
    }

    assert created == expected


def test_the_topics_job_runs_the_topic_script(compose):
    job = compose["services"][TOPICS_JOB]
    mounts = [volume.split(":") for volume in job.get("volumes", [])]
    targets = [target for source, target, *_ in mounts if Path(source).name == CREATE_TOPICS_SCRIPT.name]
    assert targets, "kafka-init does not mount infra/compose/create-topics.sh"
    assert targets[0] in " ".join(job["entrypoint"] if isinstance(job["entrypoint"], list) else [job["entrypoint"]])


def test_every_mounted_file_exists_in_the_repository(compose):
    for name, service in compose["services"].items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith("."):
                assert (REPO_ROOT / source).exists(), f"{name} mounts missing {source}"


def test_the_collector_forwards_traces_to_jaeger(compose):
    config = yaml.safe_load(COLLECTOR_CONFIG.read_text())
    pipeline = config["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"]
    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    (exporter,) = pipeline["exporters"]
    assert exporter.split("/")[0] == "otlp"
    assert config["exporters"][exporter]["endpoint"] == "jaeger:4317"
    assert "jaeger" in compose["services"]
    mounts = compose["services"]["otel-collector"]["volumes"]
    assert any((REPO_ROOT / volume.split(":")[0]).resolve() == COLLECTOR_CONFIG for volume in mounts)


# --- secrets and MongoDB authentication ------------------------------------------------

ENV_EXAMPLE = REPO_ROOT / ".env.example"
PLACEHOLDERS = re.compile(r"change-?me|changeit|password|secret|example|todo|xxx", re.IGNORECASE)


def test_an_unedited_copy_of_env_example_does_not_start_compose(compose):
    # Compose's `${VAR:?}` refuses an unset or empty variable but would take any placeholder
    # text, so .env.example carries none: every value is empty until someone sets it.
    declared = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
                    if line and not line.startswith("#"))
    assert declared, ".env.example declares nothing"
    filled = {name: value for name, value in declared.items() if value}
    assert not filled, f".env.example gives values compose would accept: {sorted(filled)}"
    text = COMPOSE_FILE.read_text()
    for reference in re.findall(r"\$\{([^}]*)\}", text):
        assert re.fullmatch(r"[A-Z0-9_]+:\?.+", reference), f"${{{reference}}} does not refuse an empty value"


def test_the_placeholder_check_reports_a_change_me_value():
    assert PLACEHOLDERS.search("change-me") and PLACEHOLDERS.search("CHANGEME")
    assert not PLACEHOLDERS.search("3f9c2a7e41d0b6")


def test_no_password_in_the_compose_file_is_a_placeholder(compose):
    for name, service in compose["services"].items():
        for variable, value in environment_of(service).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|KEY", variable) and "${" not in value:
                assert not PLACEHOLDERS.search(value), f"{name}: {variable} is a placeholder"


def test_mongodb_requires_authentication_and_each_service_has_its_own_user(compose, settings_classes):
    mongo = compose["services"]["mongo"]
    env = environment_of(mongo)
    assert env["MONGO_INITDB_ROOT_USERNAME"] and env["MONGO_INITDB_ROOT_PASSWORD"].startswith("${")
    mounted = [volume.split(":")[1] for volume in mongo.get("volumes") or []]
    assert "/docker-entrypoint-initdb.d/mongo-users.js" in mounted
    users_script = (REPO_ROOT / "infra/compose/mongo-users.js").read_text()
    for compose_name, package in built_apis(compose).items():
        service_env = environment_of(compose["services"][compose_name])
        raw = service_env[f"{package.upper()}_MONGO_URL"]
        assert f"${{MONGO_{package.upper()}_PASSWORD:?" in raw, f"{compose_name}: the password is not its own"
        url = urlsplit(re.sub(r"\$\{[^}]*\}", "from-env", raw))  # `:?` would read as a query
        assert url.username == package and url.password == "from-env", f"{compose_name} has no MongoDB user"
        assert f"MONGO_{package.upper()}_PASSWORD" in env
        assert f"authSource=samla_{package}" in url.query
    assert "readWrite" in users_script and "createUser" in users_script
