{{- define "apogee.fullname" -}}
{{- printf "%s-apogee" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "apogee.labels" -}}
app.kubernetes.io/name: apogee
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Every NameServer by its stable StatefulSet DNS name, as brokers' namesrvAddr wants it. */}}
{{- define "apogee.namesrvAddr" -}}
{{- $name := printf "%s-namesrv" (include "apogee.fullname" .) -}}
{{- $addrs := list -}}
{{- range $i := until (int .Values.namesrv.replicas) -}}
{{- $addrs = append $addrs (printf "%s-%d.%s.%s.svc:%d" $name $i $name $.Release.Namespace (int $.Values.namesrv.port)) -}}
{{- end -}}
{{- join ";" $addrs -}}
{{- end -}}

{{/* One broker's property file; called with (dict "root" $ "group" $group "slave" bool). */}}
{{- define "apogee.brokerProperties" -}}
{{- $v := .root.Values.broker -}}
brokerClusterName={{ .root.Values.clusterName }}
brokerName={{ .group.name }}
brokerId={{ if .slave }}1{{ else }}0{{ end }}
brokerRole={{ if .slave }}SLAVE{{ else }}{{ $v.masterRole }}{{ end }}
flushDiskType={{ $v.flushDiskType }}
namesrvAddr={{ include "apogee.namesrvAddr" .root }}
listenPort={{ $v.port }}
rocketmqHome=/var/lib/apogee
storePathRootDir=/var/lib/apogee/store
drainTimeoutMs={{ $v.drainTimeoutMs }}
registerBrokerTimeoutMills={{ $v.registerBrokerTimeoutMills }}
{{- range $k, $val := $v.properties }}
{{ $k }}={{ $val }}
{{- end }}
{{- end -}}

{{/* The broker StatefulSets: one per group and role. */}}
{{- define "apogee.brokerSets" -}}
{{- $sets := list -}}
{{- range $g := .Values.broker.groups -}}
{{- $sets = append $sets (dict "name" $g.name "group" $g "slave" false) -}}
{{- if $.Values.broker.slave.enabled -}}
{{- $sets = append $sets (dict "name" (printf "%s-s" $g.name) "group" $g "slave" true) -}}
{{- end -}}
{{- end -}}
{{- toJson $sets -}}
{{- end -}}
