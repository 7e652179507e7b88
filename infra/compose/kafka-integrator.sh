#!/bin/sh
# Gives one network's integrator a Kafka principal that reads that network's events only:
#   docker compose run --rm -e KAFKA_INTEGRATOR_PASSWORD=... kafka-init /bin/sh /opt/samla/kafka-integrator.sh NETWORK
#
# The principal is integrator-<network>. It may read the network's three topics, which the
# network router fills (samla.net.<network>.<context>.v1), with consumer groups whose names
# start with integrator/<network>/ (a '/' cannot occur in a network id, so one network's
# prefix never covers another's groups). The topic ACLs are literal, not prefixed: network
# ids may contain dots, and a prefix samla.net.<a>. would cover network <a>.<b>'s topics.
# Re-running is safe; the local stack applies the same lines (infra/local/kafka_auth.py).
set -eu

NETWORK="${1:?usage: kafka-integrator.sh NETWORK}"
case "$NETWORK" in
  *[!A-Za-z0-9._-]*) echo "network id $NETWORK cannot be part of a topic name" >&2; exit 2 ;;
esac

. /opt/samla/kafka-client.sh
BOOTSTRAP="${BOOTSTRAP_SERVERS:-kafka:9092}"
KAFKA_BIN="${KAFKA_HOME:-/opt/kafka}/bin"

"$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --alter \
  --entity-type users --entity-name "integrator-$NETWORK" \
  --add-config "SCRAM-SHA-512=[password=${KAFKA_INTEGRATOR_PASSWORD:?}]"

# allow PRINCIPAL OPERATION topic|group NAME [prefixed]
allow() {
  "$KAFKA_BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --add \
    --allow-principal "User:$1" --operation "$2" "--$3" "$4" --resource-pattern-type "${5:-literal}" >/dev/null
  echo "acl: User:$1 $2 $3 $4 ${5:-literal}"
}

allow integrator-$NETWORK Read topic samla.net.$NETWORK.enrollment.v1
allow integrator-$NETWORK Read topic samla.net.$NETWORK.sessions.v1
allow integrator-$NETWORK Read topic samla.net.$NETWORK.measures.v1
allow integrator-$NETWORK Read group integrator/$NETWORK/ prefixed
