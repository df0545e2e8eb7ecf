{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "mercato.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-wide prefix of every object's name: "mercato" for a release called mercato. */}}
{{- define "mercato.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "mercato.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of one service's objects: (dict "root" $ "name" "orders") -> mercato-orders */}}
{{- define "mercato.componentName" -}}
{{- printf "%s-%s" (include "mercato.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select one service's pods. */}}
{{- define "mercato.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Labels on every object of one service: (dict "root" $ "name" "orders" "component" "backend") */}}
{{- define "mercato.labels" -}}
{{ include "mercato.selectorLabels" . }}
app.kubernetes.io/component: {{ .component | default "backend" }}
app.kubernetes.io/part-of: mercato
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "mercato.chart" .root }}
{{- end -}}

{{/* Labels on release-wide objects (Secret, ServiceMonitor, rules, dashboards). */}}
{{- define "mercato.commonLabels" -}}
app.kubernetes.io/name: {{ include "mercato.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .component | default "platform" }}
app.kubernetes.io/part-of: mercato
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "mercato.chart" . }}
{{- end -}}

{{- define "mercato.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "mercato.fullname" .)) -}}
{{- end -}}

{{/* ServiceAccount of one service: (dict "root" $ "name" "orders") -> mercato-orders */}}
{{- define "mercato.serviceAccountName" -}}
{{- $sa := (index .root.Values.services .name).serviceAccount | default dict -}}
{{- if .root.Values.serviceAccount.create -}}
{{- $sa.name | default (include "mercato.componentName" .) -}}
{{- else -}}
{{- $sa.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
The public path prefixes routed to the gateway from outside, one per line: every enabled service's
publicPaths (`/` with the storefront, services.web), plus /docs when ingress.exposeDocs. The gateway's
/metrics, /readyz, /healthz (and /docs) stay inside the cluster: see mercato.internalPaths.
*/}}
{{- define "mercato.publicPaths" -}}
{{- $paths := list -}}
{{- range $name := keys .Values.services | sortAlpha -}}
{{- $s := index $.Values.services $name -}}
{{- if $s.enabled -}}
{{- $paths = concat $paths ($s.publicPaths | default list) -}}
{{- end -}}
{{- end -}}
{{- if .Values.ingress.exposeDocs -}}
{{- $paths = append $paths "/docs" -}}
{{- end -}}
{{- $paths | uniq | sortAlpha | join "\n" -}}
{{- end -}}

{{/*
The gateway's own endpoints, one per line, while `/` is routed to it (the storefront): /healthz,
/livez, /metrics, /readyz and, unless ingress.exposeDocs, /docs. A longer prefix wins over `/`, so
the Ingress sends them to mercato.unroutedName (a Service without endpoints) and the HTTPRoute to no
backend: they never reach the gateway. Empty without `/`: then they are simply not routed.
*/}}
{{- define "mercato.internalPaths" -}}
{{- if has "/" (include "mercato.publicPaths" . | splitList "\n") -}}
{{- $paths := list "/healthz" "/livez" "/metrics" "/readyz" -}}
{{- if not .Values.ingress.exposeDocs -}}
{{- $paths = append $paths "/docs" -}}
{{- end -}}
{{- $paths | sortAlpha | join "\n" -}}
{{- end -}}
{{- end -}}

{{/* The Service without endpoints that the Ingress sends mercato.internalPaths to. */}}
{{- define "mercato.unroutedName" -}}
{{- printf "%s-unrouted" (include "mercato.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The Secret key of a service's migration URL: migrationDatabaseUrlKey, else DATABASE_URL ->
MIGRATION_DATABASE_URL, ORDERS_DATABASE_URL -> ORDERS_MIGRATION_DATABASE_URL. */}}
{{- define "mercato.migrationDatabaseUrlKey" -}}
{{- if .migrationDatabaseUrlKey -}}
{{- .migrationDatabaseUrlKey -}}
{{- else -}}
{{- $key := .databaseUrlKey | default "DATABASE_URL" -}}
{{- printf "%sMIGRATION_DATABASE_URL" (trimSuffix "DATABASE_URL" $key) -}}
{{- end -}}
{{- end -}}

{{/*
One service's settings: .Values.defaults with services.<name> merged over it, as YAML (read it
back with fromYaml). (dict "root" $ "name" "orders")
*/}}
{{- define "mercato.service" -}}
{{- $svc := index .root.Values.services .name -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.defaults) (deepCopy $svc) -}}
{{- toYaml $merged -}}
{{- end -}}

{{/* Image reference: (dict "root" $ "svc" $s) */}}
{{- define "mercato.image" -}}
{{- $registry := .root.Values.global.imageRegistry -}}
{{- $tag := .svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- $repo := .svc.image.repository -}}
{{- if $registry -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" $registry) $repo -}}
{{- end -}}
{{- /* A digest (image.digest: sha256:...) pins the exact image; the tag is then only for people. */}}
{{- printf "%s:%s" $repo $tag -}}
{{- with .svc.image.digest -}}@{{ . }}{{- end -}}
{{- end -}}

{{/* In-cluster base URL of one service: (dict "root" $ "name" "identity") */}}
{{- define "mercato.serviceUrl" -}}
{{- printf "http://%s:%v" (include "mercato.componentName" .) .root.Values.service.port -}}
{{- end -}}

{{/* Names of the enabled services, sorted, one per line. */}}
{{- define "mercato.enabledServices" -}}
{{- range $name := keys .Values.services | sortAlpha -}}
{{- if (index $.Values.services $name).enabled }}
{{ $name }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A container's env: (dict "plain" name->value "secret" name->key "secretName" "..." "otherSecret"
name->{name,key} "extraEnv" [...]). Plain variables, then the Secret's, then other Secrets'.
*/}}
{{- define "mercato.containerEnv" -}}
{{- range $k := keys .plain | sortAlpha }}
- name: {{ $k }}
  value: {{ get $.plain $k | quote }}
{{- end }}
{{- range $k := keys .secret | sortAlpha }}
- name: {{ $k }}
  valueFrom:
    secretKeyRef:
      name: {{ $.secretName }}
      key: {{ get $.secret $k }}
{{- end }}
{{- range $k := keys .otherSecret | sortAlpha }}
{{- $ref := get $.otherSecret $k }}
- name: {{ $k }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.name }}
      key: {{ $ref.key }}
{{- end }}
{{- with .extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
