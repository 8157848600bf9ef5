{{/* Names, labels, the image, the shared environment and pod pieces, used by every template. */}}

{{- define "finsight.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "finsight.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "finsight.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* <fullname>-<component>; call with (dict "root" $ "component" "api"). */}}
{{- define "finsight.componentName" -}}
{{- printf "%s-%s" (include "finsight.fullname" .root | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "finsight.operator.fullname" -}}
{{- include "finsight.componentName" (dict "root" . "component" "operator") -}}
{{- end -}}

{{- define "finsight.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create -}}
{{- default (include "finsight.operator.fullname" .) .Values.operator.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "finsight.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "finsight.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "finsight.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "finsight.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: finsight
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of one component's objects; call with (dict "root" $ "component" "api"). */}}
{{- define "finsight.componentLabels" -}}
{{ include "finsight.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "finsight.selectorLabels" -}}
app.kubernetes.io/name: {{ include "finsight.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "finsight.operator.selectorLabels" -}}
{{- include "finsight.selectorLabels" (dict "root" . "component" "operator") -}}
{{- end -}}

{{/* metadata.annotations from commonAnnotations, when there are any. */}}
{{- define "finsight.annotations" -}}
{{- with .Values.commonAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "finsight.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "finsight.generatedSecretName" -}}
{{- printf "%s-generated" (include "finsight.fullname" .) -}}
{{- end -}}

{{- define "finsight.api.url" -}}
{{- printf "http://%s:%v" (include "finsight.componentName" (dict "root" . "component" "api")) .Values.api.service.port -}}
{{- end -}}

{{/* The environment every platform component gets (DESIGN §7 names): stores, secrets, flags. */}}
{{- define "finsight.env" -}}
- name: ENVIRONMENT
  value: {{ .Values.config.environment | quote }}
- name: LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: LOG_FORMAT
  value: {{ .Values.config.logFormat | quote }}
- name: FORWARDED_ALLOW_IPS
  value: {{ .Values.config.forwardedAllowIps | quote }}
- name: ENABLE_RBAC
  value: {{ .Values.config.features.rbac | quote }}
- name: ENABLE_MULTITENANCY
  value: {{ .Values.config.features.multitenancy | quote }}
- name: ENABLE_MONITORING
  value: {{ .Values.config.features.monitoring | quote }}
- name: ENABLE_ANALYTICS
  value: {{ .Values.config.features.analytics | quote }}
- name: DB_POOL_SIZE
  value: {{ .Values.config.dbPoolSize | quote }}
- name: DB_MAX_OVERFLOW
  value: {{ .Values.config.dbMaxOverflow | quote }}
- name: DATA_DIR
  value: /tmp/finsight
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.key }}
{{- if .Values.database.clustersKey }}
- name: DATABASE_CLUSTERS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.clustersKey }}
{{- end }}
{{- if .Values.redis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.key }}
{{- else }}
- name: REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- end }}
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ default (include "finsight.generatedSecretName" .) .Values.jwt.existingSecret }}
      key: {{ if .Values.jwt.existingSecret }}{{ .Values.jwt.key }}{{ else }}JWT_SECRET{{ end }}
{{- if and .Values.jwt.existingSecret .Values.jwt.previousSecretsKey }}
- name: JWT_PREVIOUS_SECRETS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.jwt.existingSecret }}
      key: {{ .Values.jwt.previousSecretsKey }}
{{- end }}
- name: DATA_ENCRYPTION_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ default (include "finsight.generatedSecretName" .) .Values.keys.existingSecret }}
      key: {{ if .Values.keys.existingSecret }}{{ .Values.keys.encryptionKeysKey }}{{ else }}DATA_ENCRYPTION_KEYS{{ end }}
- name: DATA_ENCRYPTION_KEY_ID
  value: {{ .Values.keys.activeKeyId | quote }}
- name: AUDIT_SIGNING_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default (include "finsight.generatedSecretName" .) .Values.keys.existingSecret }}
      key: {{ if .Values.keys.existingSecret }}{{ .Values.keys.auditSigningKeyKey }}{{ else }}AUDIT_SIGNING_KEY{{ end }}
{{ include "finsight.modelSigningKeyEnv" . }}
- name: AUDIT_CHECKPOINT_DIR
  value: {{ .Values.auditCheckpoints.mountPath | quote }}
{{- range .Values.generatedSecrets }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ include "finsight.generatedSecretName" $ }}
      key: {{ . }}
{{- end }}
{{- with .Values.config.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "finsight.envFrom" -}}
{{- with .Values.config.extraEnvFrom }}
envFrom:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The init container that holds a pod until the migration Job has brought the platform
     schema to head. */}}
{{- define "finsight.waitForMigrations" -}}
{{- if .Values.migrations.waitForMigrations }}
initContainers:
  - name: wait-for-migrations
    image: {{ include "finsight.image" . | quote }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command:
      - finsight
      - db
      - wait
      - --timeout
      - {{ .Values.migrations.waitTimeoutSeconds | quote }}
    env:
      {{- include "finsight.env" . | nindent 6 }}
    {{- with include "finsight.envFrom" . | trim }}{{ . | nindent 4 }}{{- end }}
    resources:
      {{- toYaml .Values.migrations.resources | nindent 6 }}
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
{{- end }}
{{- end -}}

{{/* Pod-level pieces every component shares: service account, pull secrets, security. */}}
{{- define "finsight.podCommon" -}}
serviceAccountName: {{ include "finsight.serviceAccountName" . }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}

{{/* nodeSelector, tolerations, affinity, topologySpreadConstraints of one component's values. */}}
{{- define "finsight.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "finsight.tmpVolume" -}}
- name: tmp
  emptyDir: {}
{{- end -}}

{{/* MODEL_SIGNING_KEY: the root of the organizations' category-model signing keys (the api, the
     shared workers and the operator; tenant workers get only their derived key). */}}
{{- define "finsight.modelSigningKeyEnv" -}}
- name: MODEL_SIGNING_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default (include "finsight.generatedSecretName" .) .Values.keys.existingSecret }}
      key: {{ if .Values.keys.existingSecret }}{{ .Values.keys.modelSigningKeyKey }}{{ else }}MODEL_SIGNING_KEY{{ end }}
{{- end }}

{{/* The owners' URLs (two roles): only for the migration Job and the operator. */}}
{{- define "finsight.migrationEnv" -}}
{{- if .Values.database.migrationKey }}
- name: MIGRATION_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.migrationKey }}
{{- end }}
{{- if .Values.database.migrationClustersKey }}
- name: MIGRATION_DATABASE_CLUSTERS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.migrationClustersKey }}
{{- end }}
{{- end }}
