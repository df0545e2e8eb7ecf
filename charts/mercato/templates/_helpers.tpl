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

{{- define "mercato.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "mercato.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
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
{{- if $registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $registry) .svc.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .svc.image.repository $tag -}}
{{- end -}}
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
