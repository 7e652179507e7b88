#!/bin/sh
# Creates the services' and the network router's Kafka principals and their ACLs (compose kafka-init job).
# Integrators get theirs per network from kafka-integrator.sh. The local stack applies the
# same `allow` lines to its brokers (infra/local/kafka_auth.py).
#
# The broker denies everything that no ACL allows (allow.everyone.if.no.acl.found=false):
#  - a service may write only its own topic, and the dead-letter topics of the topics it
#    consumes (its consumer parks what it cannot process there);
#  - it may read only the topics it consumes, with its own consumer group;
#  - the network router reads the three event topics and copies each record to its network's
#    own topics, samla.net.<network>.<context>.v1, which it may create and write (prefixed ACLs);
#  - no integrator reads the event topics: those carry every network's records, and Kafka ACLs
#    cannot filter records within a topic. Each integrator reads its network's samla.net.*
#    topics only (kafka-integrator.sh).
# Every principal may describe the topics it uses (metadata), which Read/Write imply.
# The list below is checked by tests/contract/test_compose_file.py against what each
# service publishes and consumes; keep one `allow` per line.
#
# Re-running is safe: adding an existing credential or ACL changes nothing.
set -eu

. /opt/samla/kafka-client.sh
BOOTSTRAP="${BOOTSTRAP_SERVERS:-kafka:9092}"
KAFKA_BIN="${KAFKA_HOME:-/opt/kafka}/bin"

# scram_user NAME PASSWORD
scram_user() {
  "$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --alter \
    --entity-type users --entity-name "$1" --add-config "SCRAM-SHA-512=[password=$2]"
  echo "principal ready: User:$1"
}

# allow PRINCIPAL OPERATION topic|group NAME [prefixed]
allow() {
  "$KAFKA_BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --add \
    --allow-principal "User:$1" --operation "$2" "--$3" "$4" --resource-pattern-type "${5:-literal}" >/dev/null
  echo "acl: User:$1 $2 $3 $4 ${5:-literal}"
}

scram_user enrollment    "${KAFKA_ENROLLMENT_PASSWORD:?}"
scram_user sessions      "${KAFKA_SESSIONS_PASSWORD:?}"
scram_user measures      "${KAFKA_MEASURES_PASSWORD:?}"
scram_user notifications "${KAFKA_NOTIFICATIONS_PASSWORD:?}"
scram_user network-router "${KAFKA_NETWORK_ROUTER_PASSWORD:?}"

# enrollment: publishes its topic; consumes nothing.
allow enrollment    Write    topic samla.enrollment.v1
allow enrollment    Describe topic samla.enrollment.v1

# sessions: publishes its topic; consumes enrollment's.
allow sessions      Write    topic samla.sessions.v1
allow sessions      Describe topic samla.sessions.v1
allow sessions      Read     topic samla.enrollment.v1
allow sessions      Write    topic samla.enrollment.v1.dlq
allow sessions      Read     group samla-sessions

# measures: publishes its topic; consumes enrollment's, sessions' and its own.
allow measures      Write    topic samla.measures.v1
allow measures      Describe topic samla.measures.v1
allow measures      Read     topic samla.enrollment.v1
allow measures      Read     topic samla.sessions.v1
allow measures      Read     topic samla.measures.v1
allow measures      Write    topic samla.enrollment.v1.dlq
allow measures      Write    topic samla.sessions.v1.dlq
allow measures      Write    topic samla.measures.v1.dlq
allow measures      Read     group samla-measures

# notifications: publishes nothing; consumes all three.
allow notifications Read     topic samla.enrollment.v1
allow notifications Read     topic samla.sessions.v1
allow notifications Read     topic samla.measures.v1
allow notifications Write    topic samla.enrollment.v1.dlq
allow notifications Write    topic samla.sessions.v1.dlq
allow notifications Write    topic samla.measures.v1.dlq
allow notifications Read     group samla-notifications

# network-router: consumes all three; creates and writes the per-network copies.
allow network-router Read     topic samla.enrollment.v1
allow network-router Read     topic samla.sessions.v1
allow network-router Read     topic samla.measures.v1
allow network-router Write    topic samla.enrollment.v1.dlq
allow network-router Write    topic samla.sessions.v1.dlq
allow network-router Write    topic samla.measures.v1.dlq
allow network-router Read     group samla-network-router
allow network-router Create   topic samla.net. prefixed
allow network-router Write    topic samla.net. prefixed

"$KAFKA_BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --list
