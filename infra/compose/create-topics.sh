#!/bin/sh
# Creates Samla's Kafka topics for `docker compose up` (the one-shot kafka-init service).
#
# The broker runs with auto.create.topics.enable=false, so a service that starts before its
# topics exist fails instead of silently getting a one-partition topic. This script is the
# compose counterpart of infra/local/topics.py: the list below mirrors infra/topics.yaml
# (each topic with the defaults, plus its `<name>.dlq` with the dlq settings). The image
# has no YAML parser, so the list is written out here, and
# tests/contract/test_compose_file.py fails if it drifts from infra/topics.yaml.
#
# Re-running is safe: --if-not-exists leaves existing topics alone.
set -eu

# The broker takes only SASL/SCRAM clients: this writes the admin's client configuration.
. /opt/samla/kafka-client.sh
BOOTSTRAP="${BOOTSTRAP_SERVERS:-kafka:9092}"
KAFKA_TOPICS="${KAFKA_HOME:-/opt/kafka}/bin/kafka-topics.sh"

# create_topic NAME PARTITIONS RETENTION_MS
# Replication factor 1: the compose stack has a single broker.
create_topic() {
  "$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor 1 \
    --config "retention.ms=$3"
  echo "topic ready: $1 ($2 partitions, retention.ms=$3)"
}

create_topic samla.enrollment.v1      6 2592000000
create_topic samla.enrollment.v1.dlq  1 7776000000
create_topic samla.sessions.v1        6 2592000000
create_topic samla.sessions.v1.dlq    1 7776000000
create_topic samla.measures.v1        6 2592000000
create_topic samla.measures.v1.dlq    1 7776000000

# Print what the broker now holds, so `docker compose logs kafka-init` shows the result.
"$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --list
