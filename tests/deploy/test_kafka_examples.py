"""The Strimzi examples under infra/helm/examples/ match what Samla declares and uses.

Strimzi's kinds (Kafka, KafkaNodePool, KafkaTopic, KafkaUser, KafkaMirrorMaker2) are custom
resources, so the Kubernetes schemas of `kubernetes-validate` do not cover them; these tests
check their structure and their agreement with infra/topics.yaml, the compose ACLs, the local
MirrorMaker 2 and the chart's values instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "infra" / "helm" / "examples"
GENERATOR = ROOT / "infra" / "helm" / "generate_kafka_manifests.py"
STRIMZI_API = "kafka.strimzi.io/v1beta2"


def load(name: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((EXAMPLES / name).read_text()) if doc]


def test_generated_topics_and_users_are_up_to_date() -> None:
    out = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_every_declared_topic_and_its_dead_letter_topic_is_a_kafka_topic() -> None:
    declared = yaml.safe_load((ROOT / "infra" / "topics.yaml").read_text())
    topics = {t["spec"]["topicName"]: t for t in load("kafka-topics.yaml")}
    expected = {t["name"] for t in declared["topics"]} | {f"{t['name']}.dlq" for t in declared["topics"]}
    assert set(topics) == expected
    for name, topic in topics.items():
        settings = declared["dlq"] if name.endswith(".dlq") else declared["defaults"]
        assert topic["spec"]["partitions"] == settings["partitions"]
        # Three replicas and two in sync: acks=all writes survive one broker down.
        assert topic["spec"]["replicas"] == 3 and topic["spec"]["config"]["min.insync.replicas"] == 2


def test_examples_belong_to_one_cluster_with_well_formed_objects() -> None:
    cluster = {d["kind"]: d for d in load("kafka-cluster.yaml")}
    name = cluster["Kafka"]["metadata"]["name"]
    assert cluster["KafkaNodePool"]["metadata"]["labels"]["strimzi.io/cluster"] == name
    for file in ("kafka-cluster.yaml", "kafka-topics.yaml", "kafka-users.yaml", "mirror-maker-2.yaml"):
        for doc in load(file):
            assert doc["apiVersion"] == STRIMZI_API, file
            assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", doc["metadata"]["name"]), doc["metadata"]["name"]
            assert isinstance(doc["spec"], dict)
            if doc["kind"] in ("KafkaTopic", "KafkaUser"):
                assert doc["metadata"]["labels"]["strimzi.io/cluster"] == name, doc["metadata"]["name"]


def test_the_chart_reaches_the_example_cluster_as_it_expects() -> None:
    (kafka,) = [d for d in load("kafka-cluster.yaml") if d["kind"] == "Kafka"]
    values = yaml.safe_load((ROOT / "infra" / "helm" / "samla" / "values.yaml").read_text())
    host, port = values["kafka"]["bootstrapServers"].rsplit(":", 1)
    assert host.startswith(f"{kafka['metadata']['name']}-kafka-bootstrap.")
    (listener,) = [entry for entry in kafka["spec"]["kafka"]["listeners"] if entry["port"] == int(port)]
    assert listener["tls"] and values["kafka"]["securityProtocol"] == "SASL_SSL"
    assert listener["authentication"]["type"] == values["kafka"]["saslMechanism"].lower()
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    users = {u["metadata"]["name"] for u in load("kafka-users.yaml")}
    assert {s["kafkaUser"] for s in values["services"].values() if "kafkaUser" in s} <= users


def test_mirror_maker_copies_the_event_topics_the_local_federation_copies() -> None:
    (mirror,) = load("mirror-maker-2.yaml")
    assert mirror["kind"] == "KafkaMirrorMaker2"
    aliases = {c["alias"] for c in mirror["spec"]["clusters"]}
    assert mirror["spec"]["connectCluster"] in aliases
    local = (ROOT / "infra" / "federation" / "mirror-maker.properties").read_text()
    local_pattern = re.search(r"->national\.topics = (.+)", local).group(1).replace("\\\\", "\\")
    topics = [t["spec"]["topicName"] for t in load("kafka-topics.yaml")]
    for flow in mirror["spec"]["mirrors"]:
        assert {flow["sourceCluster"], flow["targetCluster"]} <= aliases
        assert flow["targetCluster"] == mirror["spec"]["connectCluster"]
        copied = [t for t in topics if re.fullmatch(flow["topicsPattern"], t)]
        assert copied == [t for t in topics if re.fullmatch(local_pattern, t)]
        assert copied and not any(t.endswith(".dlq") for t in copied)
