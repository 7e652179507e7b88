#!/bin/sh
# Sourced by the compose Kafka scripts: the admin client's settings, written from the environment.
#
# The broker accepts only SASL/SCRAM on its client listeners, so the Kafka command-line tools
# need a client configuration. It is written at run time, readable only by this container's
# user, from KAFKA_ADMIN_PASSWORD: no password is ever stored in the repository.
set -eu

: "${KAFKA_ADMIN_PASSWORD:?KAFKA_ADMIN_PASSWORD is not set (see .env.example)}"
ADMIN_CONFIG="${ADMIN_CONFIG:-/tmp/samla-admin.properties}"
umask 077
cat > "$ADMIN_CONFIG" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
PROPERTIES
