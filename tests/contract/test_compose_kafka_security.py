"""docker-compose.yml runs Kafka with SASL/SCRAM and ACLs; these tests read the configuration.

There is no Docker engine on the development and CI machines, so the compose stack is never
started here: the broker settings, the ACL script and the credentials' wiring are checked
statically, and the ACLs against what each service publishes and consumes according to
its code. Whether apache/kafka accepts the settings at run time is not tested here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from samla_ops.config import SERVICES
from samla_shared.contract.topics import ENROLLMENT_TOPIC, MEASURES_TOPIC, SESSIONS_TOPIC, dead_letter_topic

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ACL_SCRIPT = REPO_ROOT / "infra" / "compose" / "kafka-acls.sh"
INTEGRATOR_SCRIPT = REPO_ROOT / "infra" / "compose" / "kafka-integrator.sh"
ENV_EXAMPLE = REPO_ROOT / ".env.example"

PUBLISHES = {"enrollment": ENROLLMENT_TOPIC, "sessions": SESSIONS_TOPIC, "measures": MEASURES_TOPIC}
EVENT_TOPICS = (ENROLLMENT_TOPIC, SESSIONS_TOPIC, MEASURES_TOPIC)
ROUTER = "network-router"
NETWORK_TOPICS = "samla.net."
SECURE_PROTOCOLS = {"SASL_PLAINTEXT", "SASL_SSL"}
INTERPOLATED = re.compile(r"^\$\{([A-Z0-9_]+):\?[^}]*\}$")

Acl = tuple[str, str, str, str, str]  # principal, operation, resource type, name, pattern type


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def broker_env(compose: dict) -> dict[str, str]:
    return {k: str(v) for k, v in compose["services"]["kafka"]["environment"].items()}


def acls(script: str) -> set[Acl]:
    found = set()
    for line in script.splitlines():
        parts = line.split()
        if parts[:1] == ["allow"]:
            principal, operation, kind, name, *pattern = parts[1:]
            found.add((principal, operation, kind, name, pattern[0] if pattern else "literal"))
    return found


def expected_acls() -> set[Acl]:
    """What each principal needs, from what each service publishes and consumes, and nothing more."""
    expected: set[Acl] = set()
    for service, data in SERVICES.items():
        if service in PUBLISHES:
            expected |= {(service, "Write", "topic", PUBLISHES[service], "literal"),
                         (service, "Describe", "topic", PUBLISHES[service], "literal")}
        for topic in data.consumes:
            expected |= {(service, "Read", "topic", topic, "literal"),
                         (service, "Write", "topic", dead_letter_topic(topic), "literal")}
        if data.consumes:
            expected.add((service, "Read", "group", data.consumer_group, "literal"))
    # The router reads every network's events and writes each to its network's own topics.
    for topic in EVENT_TOPICS:
        expected |= {(ROUTER, "Read", "topic", topic, "literal"),
                     (ROUTER, "Write", "topic", dead_letter_topic(topic), "literal")}
    expected |= {(ROUTER, "Read", "group", "samla-network-router", "literal"),
                 (ROUTER, "Create", "topic", NETWORK_TOPICS, "prefixed"),
                 (ROUTER, "Write", "topic", NETWORK_TOPICS, "prefixed")}
    return expected


def violations(granted: set[Acl]) -> list[str]:
    """Broken promises, stated independently of the exact list: who writes what they should not."""
    problems = []
    for principal, operation, kind, name, pattern in sorted(granted):
        if operation in ("All", "Alter", "AlterConfigs", "Delete", "ClusterAction") or name == "*":
            problems.append(f"{principal} is granted {operation} on {kind} {name}")
        if operation == "Create" and (principal, name, pattern) != (ROUTER, NETWORK_TOPICS, "prefixed"):
            problems.append(f"{principal} may create {kind} {name}")
        if principal.startswith("integrator") and operation not in ("Read", "Describe"):
            problems.append(f"the integrator may {operation} {kind} {name}")
        if principal.startswith("integrator") and kind == "topic" and not name.startswith(NETWORK_TOPICS):
            problems.append(f"{principal} may use {name}, which carries every network's events")
        if operation == "Write" and kind == "topic" and name in EVENT_TOPICS and PUBLISHES.get(principal) != name:
            problems.append(f"{principal} may write {name}, which is not its own topic")
        if kind == "group" and principal in SERVICES and name != SERVICES[principal].consumer_group:
            problems.append(f"{principal} may use consumer group {name}")
        if pattern != "literal" and not (principal == ROUTER and name == NETWORK_TOPICS) and not (
                principal.startswith("integrator") and kind == "group"):
            problems.append(f"{principal} is granted a {pattern} pattern on {name}")
    return problems


def test_the_acls_are_exactly_what_each_principal_needs():
    assert acls(ACL_SCRIPT.read_text()) == expected_acls()


def test_no_service_may_write_another_services_topic_and_the_integrator_only_reads():
    assert violations(acls(ACL_SCRIPT.read_text())) == []


def test_the_acl_check_reports_a_service_writing_another_topic_and_a_writing_integrator():
    # Guard against a check that passes because it looks at nothing.
    broken = ACL_SCRIPT.read_text() + (f"\nallow sessions Write topic {ENROLLMENT_TOPIC}\n"
                                       f"allow integrator-a Write topic {MEASURES_TOPIC}\n"
                                       f"allow integrator-a Read topic {SESSIONS_TOPIC}\n")
    assert violations(acls(broken)) == [
        f"integrator-a may use {SESSIONS_TOPIC}, which carries every network's events",
        f"the integrator may Write topic {MEASURES_TOPIC}",
        f"integrator-a may use {MEASURES_TOPIC}, which carries every network's events",
        f"integrator-a may write {MEASURES_TOPIC}, which is not its own topic",
        f"sessions may write {ENROLLMENT_TOPIC}, which is not its own topic",
    ]
    assert acls(broken) != expected_acls()


def test_every_principal_with_acls_gets_a_scram_credential_from_the_environment():
    script = ACL_SCRIPT.read_text()
    users = dict(re.findall(r'^scram_user\s+(\S+)\s+"\$\{([A-Z0-9_]+):\?\}"\s*$', script, re.M))
    assert set(users) == {principal for principal, *_ in acls(script)}
    assert users == {name: f"KAFKA_{name.upper().replace('-', '_')}_PASSWORD" for name in users}


def integrator_acls(network: str) -> set[Acl]:
    script = INTEGRATOR_SCRIPT.read_text().replace("$NETWORK", network)
    return acls(script)


def test_an_integrator_reads_only_its_own_networks_topics_and_groups():
    granted = integrator_acls("vestland")
    assert granted == {
        *{("integrator-vestland", "Read", "topic", f"samla.net.vestland.{topic.removeprefix('samla.')}", "literal")
          for topic in EVENT_TOPICS},
        ("integrator-vestland", "Read", "group", "integrator/vestland/", "prefixed"),
    }
    assert violations(granted) == []
    # A network whose id extends another's ("vest" and "vest.land") shares none of its grants.
    assert not {name for *_, name, _ in integrator_acls("vest")} & {name for *_, name, _ in granted}


def test_the_broker_denies_what_no_acl_allows_and_accepts_only_authenticated_clients(compose):
    env = broker_env(compose)
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"].lower() == "false"
    # Named principals only: nobody unauthenticated is a super user.
    assert set(env["KAFKA_SUPER_USERS"].split(";")) == {"User:admin", "User:broker", "User:controller"}
    protocols = dict(pair.split(":") for pair in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    listeners = dict(re.fullmatch(r"(\w+)://(.*)", item).groups() for item in env["KAFKA_LISTENERS"].split(","))
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    for name, address in listeners.items():
        assert protocols[name] in SECURE_PROTOCOLS, f"listener {name} takes unauthenticated clients"
        if name == controller:
            assert address.startswith("localhost:")
    advertised = {item.split("://")[0] for item in env["KAFKA_ADVERTISED_LISTENERS"].split(",")}
    assert controller not in advertised
    assert env["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    for name in set(listeners) - {controller}:
        jaas = env[f"KAFKA_LISTENER_NAME_{name}_SCRAM___SHA___512_SASL_JAAS_CONFIG"]
        assert "ScramLoginModule required" in jaas
    # Broker to broker and broker to controller authenticate as named principals.
    inter_broker = env["KAFKA_LISTENER_NAME_" + env["KAFKA_INTER_BROKER_LISTENER_NAME"] + "_SCRAM___SHA___512_SASL_JAAS_CONFIG"]
    assert 'username="broker"' in inter_broker
    assert env["KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL"] == "PLAIN"
    assert env[f"KAFKA_LISTENER_NAME_{controller}_SASL_ENABLED_MECHANISMS"] == "PLAIN"
    controller_jaas = env[f"KAFKA_LISTENER_NAME_{controller}_PLAIN_SASL_JAAS_CONFIG"]
    assert 'username="controller"' in controller_jaas and "user_controller=" in controller_jaas


def test_the_broker_bootstraps_the_admin_credential_and_checks_health_authenticated(compose):
    kafka = compose["services"]["kafka"]
    start = (REPO_ROOT / "infra" / "compose" / "kafka-sasl-start.sh").read_text()
    assert "--add-scram \"SCRAM-SHA-512=[name=admin,password=${KAFKA_ADMIN_PASSWORD}]\"" in start
    assert "--add-scram \"SCRAM-SHA-512=[name=broker,password=${KAFKA_BROKER_PASSWORD}]\"" in start
    assert "/opt/samla/kafka-sasl-start.sh" in " ".join(kafka["entrypoint"])
    assert "--command-config" in kafka["healthcheck"]["test"]
    init = " ".join(compose["services"]["kafka-init"]["entrypoint"])
    assert init.index("create-topics.sh") < init.index("kafka-acls.sh")


def test_every_service_authenticates_as_its_own_principal(compose):
    for service in SERVICES:
        env = {k: str(v) for k, v in compose["services"][service]["environment"].items()}
        prefix = f"{service.upper()}_KAFKA_"
        assert env[prefix + "SECURITY_PROTOCOL"] in SECURE_PROTOCOLS, service
        assert env[prefix + "SASL_MECHANISM"] == "SCRAM-SHA-512", service
        assert env[prefix + "SASL_USERNAME"] == service
        password = INTERPOLATED.fullmatch(env[prefix + "SASL_PASSWORD"])
        assert password and password.group(1) == f"KAFKA_{service.upper()}_PASSWORD", service


def test_the_network_router_authenticates_as_its_own_principal(compose):
    env = {k: str(v) for k, v in compose["services"]["network-router"]["environment"].items()}
    assert env["NETWORK_ROUTER_KAFKA_SECURITY_PROTOCOL"] in SECURE_PROTOCOLS
    assert env["NETWORK_ROUTER_KAFKA_SASL_USERNAME"] == ROUTER
    password = INTERPOLATED.fullmatch(env["NETWORK_ROUTER_KAFKA_SASL_PASSWORD"])
    assert password and password.group(1) == "KAFKA_NETWORK_ROUTER_PASSWORD"


def test_no_secret_is_written_in_the_repository_and_every_one_is_declared_in_env_example(compose):
    interpolated = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN", variable):
                assert INTERPOLATED.fullmatch(str(value)), f"{name}: {variable} is written in the file"
    declared = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
                    if line and not line.startswith("#"))
    assert set(declared) == interpolated
    assert set(declared.values()) == {""}  # an unedited copy leaves them empty, which compose refuses
    assert ".env" in (REPO_ROOT / ".gitignore").read_text().split()
