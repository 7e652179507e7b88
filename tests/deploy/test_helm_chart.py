"""The Helm chart (infra/helm/samla) renders a deployment an operator can run.

Offline: helm v4 (built from the Go module proxy, tests/deploy/helm_tool.py) lints and
renders the chart with the default and the production values, and every rendered object is
validated against the Kubernetes schemas that the `kubernetes-validate` package ships. Then
the rendered objects are read the way an operator would notice mistakes: probes, resources,
disruption budgets, autoscalers, who may talk to whom, no secret in the manifests, and the
settings each container gets are settings its service actually reads and accepts.
"""

from __future__ import annotations

import importlib
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.helm_tool import helm_binary

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "infra" / "helm" / "samla"
PRODUCTION = CHART / "values-production.yaml"
# The oldest Kubernetes the chart declares (Chart.yaml kubeVersion >=1.27) is out of support;
# validate against a current release, whose schemas kubernetes-validate ships.
KUBERNETES_VERSION = "1.33.0"
SERVICES = ("enrollment", "sessions", "measures", "notifications")
WORKLOADS = (*SERVICES, "portal")
SETTINGS = {
    "enrollment": "samla_enrollment.settings:EnrollmentSettings",
    "sessions": "samla_sessions.settings:SessionsSettings",
    "measures": "samla_measures.settings:MeasuresSettings",
    "notifications": "samla_notifications.settings:NotificationsSettings",
    "portal": "samla_portal.settings:PortalSettings",
}
# What the Secret keys hold, for constructing the settings: any value of the right shape
# (production refuses MongoDB without TLS and credentials, and wants a Fernet key for webhooks).
SECRET_STAND_INS = {"session-secret": "s" * 48,
                    "mongo-url": "mongodb://samla:stand-in@mongo.example:27017/?tls=true",
                    "webhook-secret-key": "c3RhbmQtaW4ta2V5LW9mLTMyLWJ5dGVzLWZvci10ZXM="}


@pytest.fixture(scope="module")
def helm() -> Path:
    return helm_binary()


def render(helm: Path, *values: Path) -> list[dict[str, Any]]:
    command = [str(helm), "template", "samla", str(CHART), "--namespace", "samla"]
    for file in values:
        command += ["--values", str(file)]
    out = subprocess.run(command, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="module", params=["default", "production"])
def rendered(request: pytest.FixtureRequest, helm: Path) -> list[dict[str, Any]]:
    return render(helm, *([PRODUCTION] if request.param == "production" else []))


@pytest.fixture(scope="module")
def production(helm: Path) -> list[dict[str, Any]]:
    return render(helm, PRODUCTION)


def of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def workload(obj: dict[str, Any]) -> str:
    return obj["metadata"]["labels"]["app.kubernetes.io/component"]


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


# --- helm itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("values", [[], [PRODUCTION]], ids=["default", "production"])
def test_chart_passes_helm_lint(helm: Path, values: list[Path]) -> None:
    command = [str(helm), "lint", "--strict", str(CHART)] + [arg for f in values for arg in ("--values", str(f))]
    out = subprocess.run(command, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_rendered_object_is_valid_for_kubernetes(rendered: list[dict[str, Any]]) -> None:
    problems = []
    for obj in rendered:
        try:
            # strict: a misspelt field (which the API server would silently drop) is an error too.
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {error.message} at {list(error.path)}")
    assert not problems, "\n".join(problems)


def test_all_five_deployables_are_rendered(rendered: list[dict[str, Any]]) -> None:
    deployments = of_kind(rendered, "Deployment")
    assert sorted(workload(d) for d in deployments.values()) == sorted(WORKLOADS)
    services = of_kind(rendered, "Service")
    # Every image is built from the root Dockerfile with the port as a build argument (docker-compose.yml).
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, deployment in deployments.items():
        port = container(deployment)["ports"][0]["containerPort"]
        assert compose[workload(deployment)]["build"]["args"]["PORT"] == str(port), f"{name} listens elsewhere"
        assert services[name]["spec"]["ports"][0]["port"] == port


# --- what keeps it running -----------------------------------------------------------------


def test_every_deployment_has_both_probes_and_resources(rendered: list[dict[str, Any]]) -> None:
    for name, deployment in of_kind(rendered, "Deployment").items():
        c = container(deployment)
        assert c["readinessProbe"]["httpGet"]["path"] == "/health/ready", name
        assert c["livenessProbe"]["httpGet"]["path"] == "/health/live", name
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(c["resources"].get(bound, {})), f"{name} has no {bound}"


def test_every_deployment_has_a_disruption_budget_and_an_autoscaler(rendered: list[dict[str, Any]]) -> None:
    budgets = of_kind(rendered, "PodDisruptionBudget").values()
    autoscalers = of_kind(rendered, "HorizontalPodAutoscaler").values()
    for name, deployment in of_kind(rendered, "Deployment").items():
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert [b for b in budgets if selects(b["spec"]["selector"], pod_labels)], f"{name} has no PDB"
        scaling = [a for a in autoscalers if a["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": name}]
        assert len(scaling) == 1, f"{name} has no HPA"
        assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in scaling[0]["spec"]["metrics"])


def test_single_instance_services_never_run_twice_during_a_rollout(rendered: list[dict[str, Any]]) -> None:
    # One writer and one relay per process (docs/scale-out.md): a rolling update would overlap two.
    autoscalers = {a["spec"]["scaleTargetRef"]["name"]: a
                   for a in of_kind(rendered, "HorizontalPodAutoscaler").values()}
    for name, deployment in of_kind(rendered, "Deployment").items():
        if autoscalers[name]["spec"]["maxReplicas"] == 1:
            assert deployment["spec"]["strategy"]["type"] == "Recreate", name


def test_consumer_lag_scales_only_where_a_metric_adapter_serves_it(
        helm: Path, production: list[dict[str, Any]]) -> None:
    def external(objects: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        return {workload(a): [m for m in a["spec"]["metrics"] if m["type"] == "External"]
                for a in of_kind(objects, "HorizontalPodAutoscaler").values()}

    assert not any(external(render(helm)).values()), "without an adapter the HPA would wait on a metric nobody serves"
    lag = external(production)["sessions"]
    assert len(lag) == 1
    assert lag[0]["external"]["metric"]["selector"]["matchLabels"] == {"consumergroup": "samla-sessions"}


# --- secrets and settings ------------------------------------------------------------------


def test_no_secret_value_is_rendered(rendered: list[dict[str, Any]]) -> None:
    assert not of_kind(rendered, "Secret"), "the chart must take secrets from existing Secret objects"
    secret_like = re.compile(r"PASSWORD|SECRET|TOKEN|MONGO_URL")
    for name, deployment in of_kind(rendered, "Deployment").items():
        for variable in container(deployment)["env"]:
            if secret_like.search(variable["name"]):
                assert "value" not in variable, f"{name} gets {variable['name']} in plain text"
                assert variable["valueFrom"]["secretKeyRef"]["name"] == f"samla-{workload(deployment)}"


def test_production_values_run_in_production(production: list[dict[str, Any]]) -> None:
    for name, deployment in of_kind(production, "Deployment").items():
        env = {v["name"]: v.get("value") for v in container(deployment)["env"]}
        assert env[f"{workload(deployment).upper()}_ENVIRONMENT"] == "production", name


def test_rendered_settings_are_read_and_accepted_by_each_service(
    rendered: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every variable is a field of the service's Settings (a misspelt one is silently ignored
    by pydantic-settings), and the whole set, with its Secret keys filled, passes the
    service's own validation: production values do not start a service that refuses them."""
    for deployment in of_kind(rendered, "Deployment").values():
        name = workload(deployment)
        module, cls_name = SETTINGS[name].split(":")
        settings_cls = getattr(importlib.import_module(module), cls_name)
        prefix = f"{name.upper()}_"
        with monkeypatch.context() as patch:
            for variable in container(deployment)["env"]:
                if variable["name"] == "POD_IP":  # Kubernetes' own, for INSTANCE_URL to expand
                    continue
                assert variable["name"].startswith(prefix)
                field = variable["name"][len(prefix):].lower()
                assert field in settings_cls.model_fields, f"{name} has no setting {field}"
                if "value" in variable:
                    patch.setenv(variable["name"], variable["value"])
                else:
                    key = variable["valueFrom"]["secretKeyRef"]["key"]
                    patch.setenv(variable["name"], SECRET_STAND_INS.get(key, f"stand-in-{key}"))
            settings = settings_cls()
        assert settings.environment in ("development", "production")


# --- who may talk to whom ------------------------------------------------------------------


def _reaches(policies: dict[str, dict[str, Any]], pods: dict[str, dict[str, str]], source: str, target: str) -> bool:
    """Both ends allow it: the source's egress names the target's pods and vice versa."""
    def allowed(rules: list[dict[str, Any]], peer_labels: dict[str, str]) -> bool:
        return any("podSelector" in peer and "namespaceSelector" not in peer
                   and selects(peer["podSelector"], peer_labels)
                   for rule in rules for peer in rule.get("to", rule.get("from", [])))

    out = [p for p in policies.values() if selects(p["spec"]["podSelector"], pods[source])]
    into = [p for p in policies.values() if selects(p["spec"]["podSelector"], pods[target])]
    return (any(allowed(p["spec"].get("egress", []), pods[target]) for p in out)
            and any(allowed(p["spec"].get("ingress", []), pods[source]) for p in into))


def test_network_policies_allow_only_the_calls_the_services_make(rendered: list[dict[str, Any]]) -> None:
    pods = {workload(d): d["spec"]["template"]["metadata"]["labels"] for d in of_kind(rendered, "Deployment").values()}
    policies = of_kind(rendered, "NetworkPolicy")
    for name, labels in pods.items():
        covering = [p for p in policies.values() if selects(p["spec"]["podSelector"], labels)]
        assert covering, f"{name} has no NetworkPolicy"
        assert all(set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} for p in covering)
    expected = {("portal", api) for api in SERVICES} | {("sessions", "enrollment"), ("sessions", "measures"),
                                                        ("notifications", "enrollment")}
    for source in pods:
        for target in pods:
            if source != target:
                assert _reaches(policies, pods, source, target) == ((source, target) in expected), (source, target)
    for api in SERVICES:  # a standby pod forwards writes to its service's writer pod; the portal keeps no state
        assert _reaches(policies, pods, api, api), api
    assert not _reaches(policies, pods, "portal", "portal")


def test_api_pods_elect_one_writer_and_tell_the_others_their_own_address(rendered: list[dict[str, Any]]) -> None:
    autoscalers = {a["spec"]["scaleTargetRef"]["name"]: a for a in of_kind(rendered, "HorizontalPodAutoscaler").values()}
    for name, deployment in of_kind(rendered, "Deployment").items():
        env = container(deployment)["env"]
        names = [e["name"] for e in env]
        service = workload(deployment)
        if service not in SERVICES:
            assert not any(n.endswith("WRITER_LEASE_SECONDS") for n in names), name
            continue
        prefix = service.upper() + "_"
        values = {e["name"]: e.get("value") for e in env}
        port = container(deployment)["ports"][0]["containerPort"]
        assert float(values[prefix + "WRITER_LEASE_SECONDS"]) >= 1
        assert values[prefix + "INSTANCE_URL"] == f"http://$(POD_IP):{port}"
        # Kubernetes expands $(POD_IP) only from a variable defined earlier in the list.
        assert names.index("POD_IP") < names.index(prefix + "INSTANCE_URL")
        assert next(e for e in env if e["name"] == "POD_IP")["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
        assert autoscalers[name]["spec"]["minReplicas"] >= 2, "a lost writer pod costs a takeover, not an outage"
        assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"


def test_only_the_apis_reach_kafka_and_mongodb(rendered: list[dict[str, Any]]) -> None:
    ports = {workload(p): {port["port"] for rule in p["spec"]["egress"] for port in rule.get("ports", [])}
             for p in of_kind(rendered, "NetworkPolicy").values()}
    for name in SERVICES:
        assert {9093, 27017, 443} <= ports[name], name
    assert 27017 not in ports["portal"] and 9093 not in ports["portal"]
    assert 443 in ports["portal"], "the portal signs people in at the OIDC provider"


@pytest.mark.parametrize("override", [
    "services.enrollment.env.KAFKA_SASL_PASSWORD=in-plain-text",
    "services.portal.existingSecret=",
    "environment=prod",
    "deployment=Region Vest",
], ids=["secret-in-values", "no-existing-secret", "unknown-environment", "invalid-region-name"])
def test_values_an_operator_gets_wrong_are_refused_before_anything_is_rendered(helm: Path, override: str) -> None:
    out = subprocess.run([str(helm), "template", "samla", str(CHART), "--set", override], capture_output=True, text=True)
    assert out.returncode != 0 and not out.stdout.strip(), out.stdout[:500]
