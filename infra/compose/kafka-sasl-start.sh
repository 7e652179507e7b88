#!/bin/bash
# The compose broker's entrypoint: bootstrap the admin SCRAM credential, then start as the image does.
#
# In KRaft mode SCRAM credentials live in the cluster metadata, so the first one (the
# admin's, with which kafka-init creates the services' principals and the ACLs) can only
# be added when the storage is formatted. This formats it with that credential; the
# image's own start script then finds the storage formatted and leaves it alone.
# The broker's own principal (inter-broker traffic) is bootstrapped the same way.
# It also writes the admin client configuration the healthcheck uses.
set -eu

: "${CLUSTER_ID:?}" "${KAFKA_LOG_DIRS:?}" "${KAFKA_BROKER_PASSWORD:?}"
source /opt/samla/kafka-client.sh

FORMAT_CONFIG=/tmp/samla-format.properties
cat > "$FORMAT_CONFIG" <<PROPERTIES
process.roles=broker,controller
node.id=${KAFKA_NODE_ID}
controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS}
controller.listener.names=${KAFKA_CONTROLLER_LISTENER_NAMES}
listeners=${KAFKA_LISTENERS}
listener.security.protocol.map=${KAFKA_LISTENER_SECURITY_PROTOCOL_MAP}
inter.broker.listener.name=${KAFKA_INTER_BROKER_LISTENER_NAME}
log.dirs=${KAFKA_LOG_DIRS}
sasl.mechanism.controller.protocol=${KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL}
listener.name.controller.sasl.enabled.mechanisms=${KAFKA_LISTENER_NAME_CONTROLLER_SASL_ENABLED_MECHANISMS}
PROPERTIES

/opt/kafka/bin/kafka-storage.sh format --cluster-id "$CLUSTER_ID" --config "$FORMAT_CONFIG" --ignore-formatted \
  --add-scram "SCRAM-SHA-512=[name=admin,password=${KAFKA_ADMIN_PASSWORD}]" \
  --add-scram "SCRAM-SHA-512=[name=broker,password=${KAFKA_BROKER_PASSWORD}]"
rm -f "$FORMAT_CONFIG"

exec /etc/kafka/docker/run
