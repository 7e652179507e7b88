{{/* Name of one workload's objects: <release>-<service>, within the 63 characters of a label. */}}
{{- define "samla.name" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "samla.selectorLabels" -}}
app.kubernetes.io/name: samla
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "samla.labels" -}}
{{ include "samla.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "samla.image" -}}
{{- $image := .root.Values.image -}}
{{- $repository := printf "%s/%s" $image.repositoryPrefix .name -}}
{{- if $image.registry }}{{ $repository = printf "%s/%s" $image.registry $repository }}{{ end -}}
{{- printf "%s:%s" $repository (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{/* In-cluster address of another workload's API. */}}
{{- define "samla.url" -}}
{{- $service := index .root.Values.services .name -}}
{{- printf "http://%s:%v" (include "samla.name" .) $service.port -}}
{{- end -}}

{{/* Public address of an exposed workload. */}}
{{- define "samla.publicUrl" -}}
{{- $service := index .root.Values.services .name -}}
{{- printf "https://%s" $service.host -}}
{{- end -}}

{{/* The API services (everything but the portal): they own a database and a Kafka principal. */}}
{{- define "samla.isApi" -}}
{{- if ne .name "portal" }}true{{ end -}}
{{- end -}}

{{/*
Plain (non-secret) settings of one workload, as a name → value dict without the prefix.
Each key is a field of the service's Settings class (services/<name>/samla_<name>/settings.py).
*/}}
{{- define "samla.settings" -}}
{{- $v := .root.Values -}}
{{- $s := index $v.services .name -}}
{{- $env := dict "ENVIRONMENT" $v.environment "LOG_LEVEL" $v.logLevel -}}
{{- if $v.otlp.enabled }}{{ $_ := set $env "OTLP_ENDPOINT" $v.otlp.endpoint }}{{ end -}}
{{- if eq .name "portal" -}}
{{- $_ := set $env "PUBLIC_URL" (include "samla.publicUrl" .) -}}
{{- $_ := set $env "TIME_ZONE" $s.timeZone -}}
{{- $_ := set $env "OIDC_ISSUER" $v.auth.issuer -}}
{{- $_ := set $env "OIDC_CLIENT_ID" $s.oidcClientId -}}
{{- $_ := set $env "COOKIE_SECURE" (toString $s.cookieSecure) -}}
{{- range $api := list "enrollment" "sessions" "measures" "notifications" -}}
{{- $_ := set $env (printf "%s_URL" (upper $api)) (include "samla.url" (dict "root" $.root "name" $api)) -}}
{{- end -}}
{{- /* The public application form reads the catalogue with the portal's client-credentials client (role catalogue_reader). */ -}}
{{- $_ := set $env "ENROLLMENT_CLIENT_ID" $s.oidcClientId -}}
{{- $_ := set $env "ENROLLMENT_AUDIENCE" (printf "%senrollment" $v.auth.audiencePrefix) -}}
{{- if $v.auth.tokenUrl }}{{ $_ := set $env "AUTH_CLIENT_CREDENTIALS_URL" $v.auth.tokenUrl }}{{ end -}}
{{- else -}}
{{- $_ := set $env "DEPLOYMENT" $v.deployment -}}
{{- $_ := set $env "KAFKA_BOOTSTRAP_SERVERS" $v.kafka.bootstrapServers -}}
{{- $_ := set $env "KAFKA_SECURITY_PROTOCOL" $v.kafka.securityProtocol -}}
{{- if ne $v.kafka.securityProtocol "PLAINTEXT" -}}
{{- $_ := set $env "KAFKA_SASL_MECHANISM" $v.kafka.saslMechanism -}}
{{- $_ := set $env "KAFKA_SASL_USERNAME" $s.kafkaUser -}}
{{- end -}}
{{- $_ := set $env "MONGO_DATABASE" (printf "%s%s" $v.mongo.databasePrefix .name) -}}
{{- $_ := set $env "CONSUMER_GROUP" (printf "samla-%s" .name) -}}
{{- /* Several pods: one, elected by a lease, writes; the others forward writes to it at its pod
address (POD_IP comes first in the container's env, so Kubernetes expands it here). */ -}}
{{- $_ := set $env "WRITER_LEASE_SECONDS" (toString $v.writerLeaseSeconds) -}}
{{- $_ := set $env "INSTANCE_URL" (printf "http://$(POD_IP):%v" $s.port) -}}
{{- $_ := set $env "AUTH_ISSUER" $v.auth.issuer -}}
{{- /* One audience per service: a token minted for one service is refused by the others. */ -}}
{{- $_ := set $env "AUTH_AUDIENCE" (printf "%s%s" $v.auth.audiencePrefix .name) -}}
{{- if $v.trustedProxies }}{{ $_ := set $env "TRUSTED_PROXIES" (toJson $v.trustedProxies) }}{{ end -}}
{{- $_ := set $env "AUTH_JWKS_URL" $v.auth.jwksUrl -}}
{{- $_ := set $env "CORS_ORIGINS" (toJson $v.corsOrigins) -}}
{{- if has .name (list "sessions" "notifications") -}}
{{- /* Contact look-ups use client-credentials tokens from the identity provider. */ -}}
{{- $_ := set $env "ENROLLMENT_URL" (include "samla.url" (dict "root" .root "name" "enrollment")) -}}
{{- $_ := set $env "ENROLLMENT_CLIENT_ID" (printf "%s%s" $v.auth.audiencePrefix .name) -}}
{{- $_ := set $env "ENROLLMENT_AUDIENCE" (printf "%senrollment" $v.auth.audiencePrefix) -}}
{{- if $v.auth.tokenUrl }}{{ $_ := set $env "AUTH_CLIENT_CREDENTIALS_URL" $v.auth.tokenUrl }}{{ end -}}
{{- end -}}
{{- if eq .name "sessions" -}}
{{- $_ := set $env "PUBLIC_URL" (include "samla.publicUrl" .) -}}
{{- /* Certificates name the curriculum's methods from measures' toolbox, with the same client (role catalogue_reader). */ -}}
{{- $_ := set $env "MEASURES_URL" (include "samla.url" (dict "root" .root "name" "measures")) -}}
{{- $_ := set $env "MEASURES_AUDIENCE" (printf "%smeasures" $v.auth.audiencePrefix) -}}
{{- end -}}
{{- if eq .name "notifications" -}}
{{- $_ := set $env "SMTP_HOST" $s.smtp.host -}}
{{- $_ := set $env "SMTP_PORT" (toString $s.smtp.port) -}}
{{- $_ := set $env "SMTP_SENDER" $s.smtp.sender -}}
{{- $_ := set $env "SMTP_STARTTLS" (toString $s.smtp.starttls) -}}
{{- if $s.smtp.username }}{{ $_ := set $env "SMTP_USERNAME" $s.smtp.username }}{{ end -}}
{{- $_ := set $env "PORTAL_URL" (include "samla.publicUrl" (dict "root" .root "name" "portal")) -}}
{{- end -}}
{{- end -}}
{{- range $key, $value := $s.env }}{{ $_ := set $env $key (toString $value) }}{{ end -}}
{{- toJson $env -}}
{{- end -}}

{{/* Settings read from the workload's existing Secret: env name (no prefix) → [key, optional]. */}}
{{- define "samla.secretSettings" -}}
{{- $env := dict -}}
{{- if eq .name "portal" -}}
{{- $_ := set $env "SESSION_SECRET" (list "session-secret" false) -}}
{{- $_ := set $env "OIDC_CLIENT_SECRET" (list "oidc-client-secret" true) -}}
{{- $_ := set $env "ENROLLMENT_CLIENT_SECRET" (list "enrollment-client-secret" false) -}}
{{- else -}}
{{- $_ := set $env "MONGO_URL" (list "mongo-url" false) -}}
{{- if ne .root.Values.kafka.securityProtocol "PLAINTEXT" -}}
{{- $_ := set $env "KAFKA_SASL_PASSWORD" (list "kafka-password" false) -}}
{{- end -}}
{{- if has .name (list "sessions" "notifications") -}}
{{- $_ := set $env "ENROLLMENT_CLIENT_SECRET" (list "enrollment-client-secret" false) -}}
{{- end -}}
{{- if eq .name "notifications" -}}
{{- $_ := set $env "SMTP_PASSWORD" (list "smtp-password" true) -}}
{{- $_ := set $env "WEBHOOK_SECRET_KEY" (list "webhook-secret-key" false) -}}
{{- end -}}
{{- end -}}
{{- toJson $env -}}
{{- end -}}
