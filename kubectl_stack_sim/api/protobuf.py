"""Kubernetes protobuf request bodies, decoded into the JSON objects the JSON path would carry.

kubectl's typed clients (``create namespace|configmap|secret|deployment|service|ingress``,
``create job|cronjob|pdb|quota|role|clusterrole|rolebinding|clusterrolebinding``,
``autoscale``, ``debug --copy-to``, and ``drain``'s DeleteOptions and Evictions) send
``application/vnd.kubernetes.protobuf``: the magic ``k8s\\x00`` and a ``runtime.Unknown``
envelope whose ``raw`` bytes are the object's message. The messages are read against a small
hand-written schema of the built-in types those commands send. A field decodes to exactly what
Go's JSON encoding of the same object would hold: scalars tagged ``omitempty`` vanish when zero
(gogo-protobuf writes them anyway), pointer and required fields keep their zero, nested
messages present on the wire are objects even when empty, ``bytes`` become base64, Time, Quantity
and IntOrString take their JSON forms. Unknown field numbers are skipped by wire type.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .errors import ApiError

MAGIC = b"k8s\x00"

_VARINT, _FIXED64, _BYTES, _GROUP_START, _GROUP_END, _FIXED32 = 0, 1, 2, 3, 4, 5

# Field types: s string, b bytes (base64 in JSON), i integer, ? bool, t metav1.Time,
# q resource.Quantity, x intstr.IntOrString, a capitalised word is a message in _SCHEMA.
# [T] is a repeated field, {T} a map<string, T>. A trailing ! keeps the zero value (a Go
# pointer, or a JSON tag without omitempty). An empty JSON name inlines the message's fields
# into its parent, as Go's `json:",inline"` does.
_SCHEMA_TEXT: dict[str, str] = {
    # k8s.io/apimachinery/pkg/apis/meta/v1
    "ObjectMeta": "1:name:s 2:generateName:s 3:namespace:s 4:selfLink:s 5:uid:s "
    "6:resourceVersion:s 7:generation:i 8:creationTimestamp:t 9:deletionTimestamp:t "
    "10:deletionGracePeriodSeconds:i! 11:labels:{s} 12:annotations:{s} "
    "13:ownerReferences:[OwnerReference] 14:finalizers:[s]",
    "OwnerReference": "5:apiVersion:s! 1:kind:s! 3:name:s! 4:uid:s! 6:controller:?! "
    "7:blockOwnerDeletion:?!",
    "LabelSelector": "1:matchLabels:{s} 2:matchExpressions:[LabelSelectorRequirement]",
    "LabelSelectorRequirement": "1:key:s! 2:operator:s! 3:values:[s]",
    "DeleteOptions": "1:gracePeriodSeconds:i! 2:preconditions:Preconditions "
    "3:orphanDependents:?! 4:propagationPolicy:s! 5:dryRun:[s] "
    "6:ignoreStoreReadErrorWithClusterBreakingPotential:?!",
    "Preconditions": "1:uid:s! 2:resourceVersion:s!",
    # Statuses are the server's to write: a create or update ignores what the client sent.
    "Status": "",
    # k8s.io/api/core/v1
    "Namespace": "1:metadata:ObjectMeta 2:spec:NamespaceSpec 3:status:NamespaceStatus",
    "NamespaceSpec": "1:finalizers:[s]",
    "NamespaceStatus": "1:phase:s",
    "ConfigMap": "1:metadata:ObjectMeta 4:immutable:?! 2:data:{s} 3:binaryData:{b}",
    "Secret": "1:metadata:ObjectMeta 5:immutable:?! 2:data:{b} 4:stringData:{s} 3:type:s",
    "ServiceAccount": "1:metadata:ObjectMeta 3:imagePullSecrets:[LocalObjectReference] "
    "4:automountServiceAccountToken:?!",
    "Pod": "1:metadata:ObjectMeta 2:spec:PodSpec 3:status:Status",
    "PodTemplateSpec": "1:metadata:ObjectMeta 2:spec:PodSpec",
    "PodSpec": "1:volumes:[Volume] 20:initContainers:[Container] 2:containers:[Container] "
    "3:restartPolicy:s 4:terminationGracePeriodSeconds:i! 5:activeDeadlineSeconds:i! "
    "6:dnsPolicy:s 7:nodeSelector:{s} 8:serviceAccountName:s 9:serviceAccount:s "
    "21:automountServiceAccountToken:?! 10:nodeName:s 11:hostNetwork:? 12:hostPID:? "
    "13:hostIPC:? 27:shareProcessNamespace:?! 14:securityContext:PodSecurityContext "
    "15:imagePullSecrets:[LocalObjectReference] 16:hostname:s 17:subdomain:s "
    "18:affinity:Affinity 19:schedulerName:s 22:tolerations:[Toleration] "
    "23:hostAliases:[HostAlias] 24:priorityClassName:s 25:priority:i! "
    "29:runtimeClassName:s! 30:enableServiceLinks:?! 31:preemptionPolicy:s! "
    "26:dnsConfig:PodDNSConfig 28:readinessGates:[PodReadinessGate] "
    "33:topologySpreadConstraints:[TopologySpreadConstraint] 35:setHostnameAsFQDN:?! "
    "36:os:PodOS 37:hostUsers:?! 40:resources:ResourceRequirements",
    "Affinity": "1:nodeAffinity:NodeAffinity 2:podAffinity:PodAffinity "
    "3:podAntiAffinity:PodAffinity",
    "NodeAffinity": "1:requiredDuringSchedulingIgnoredDuringExecution:NodeSelector "
    "2:preferredDuringSchedulingIgnoredDuringExecution:[PreferredSchedulingTerm]",
    "NodeSelector": "1:nodeSelectorTerms:[NodeSelectorTerm]",
    # NodeSelectorRequirement has LabelSelectorRequirement's layout.
    "NodeSelectorTerm": "1:matchExpressions:[LabelSelectorRequirement] "
    "2:matchFields:[LabelSelectorRequirement]",
    "PreferredSchedulingTerm": "1:weight:i! 2:preference:NodeSelectorTerm",
    # PodAntiAffinity has PodAffinity's layout.
    "PodAffinity": "1:requiredDuringSchedulingIgnoredDuringExecution:[PodAffinityTerm] "
    "2:preferredDuringSchedulingIgnoredDuringExecution:[WeightedPodAffinityTerm]",
    "PodAffinityTerm": "1:labelSelector:LabelSelector 2:namespaces:[s] 3:topologyKey:s! "
    "4:namespaceSelector:LabelSelector 5:matchLabelKeys:[s] 6:mismatchLabelKeys:[s]",
    "WeightedPodAffinityTerm": "1:weight:i! 2:podAffinityTerm:PodAffinityTerm",
    "TopologySpreadConstraint": "1:maxSkew:i! 2:topologyKey:s! 3:whenUnsatisfiable:s! "
    "4:labelSelector:LabelSelector 5:minDomains:i! 6:nodeAffinityPolicy:s! "
    "7:nodeTaintsPolicy:s! 8:matchLabelKeys:[s]",
    "HostAlias": "1:ip:s! 2:hostnames:[s]",
    "PodDNSConfig": "1:nameservers:[s] 2:searches:[s] 3:options:[PodDNSConfigOption]",
    "PodDNSConfigOption": "1:name:s 2:value:s!",
    "PodReadinessGate": "1:conditionType:s!",
    "PodOS": "1:name:s!",
    "Container": "1:name:s! 2:image:s 3:command:[s] 4:args:[s] 5:workingDir:s "
    "6:ports:[ContainerPort] 19:envFrom:[EnvFromSource] 7:env:[EnvVar] "
    "8:resources:ResourceRequirements 23:resizePolicy:[ContainerResizePolicy] "
    "24:restartPolicy:s! 9:volumeMounts:[VolumeMount] "
    "10:livenessProbe:Probe 11:readinessProbe:Probe 22:startupProbe:Probe "
    "12:lifecycle:Lifecycle 13:terminationMessagePath:s 20:terminationMessagePolicy:s "
    "14:imagePullPolicy:s 15:securityContext:SecurityContext 16:stdin:? 17:stdinOnce:? 18:tty:?",
    "ContainerResizePolicy": "1:resourceName:s! 2:restartPolicy:s!",
    "ContainerPort": "1:name:s 2:hostPort:i 3:containerPort:i! 4:protocol:s 5:hostIP:s",
    "EnvVar": "1:name:s! 2:value:s 3:valueFrom:EnvVarSource",
    "EnvVarSource": "1:fieldRef:ObjectFieldSelector 2:resourceFieldRef:ResourceFieldSelector "
    "3:configMapKeyRef:KeySelector 4:secretKeyRef:KeySelector",
    "KeySelector": "1::LocalObjectReference 2:key:s! 3:optional:?!",
    "ObjectFieldSelector": "1:apiVersion:s 2:fieldPath:s!",
    "ResourceFieldSelector": "1:containerName:s 2:resource:s! 3:divisor:q",
    "LocalObjectReference": "1:name:s",
    "EnvFromSource": "1:prefix:s 2:configMapRef:EnvSource 3:secretRef:EnvSource",
    "EnvSource": "1::LocalObjectReference 2:optional:?!",
    "ResourceRequirements": "1:limits:{q} 2:requests:{q} 3:claims:[ResourceClaim]",
    "ResourceClaim": "1:name:s! 2:request:s",
    "VolumeMount": "1:name:s! 2:readOnly:? 7:recursiveReadOnly:s! 3:mountPath:s! "
    "4:subPath:s 5:mountPropagation:s! 6:subPathExpr:s",
    "Probe": "1::ProbeHandler 2:initialDelaySeconds:i 3:timeoutSeconds:i 4:periodSeconds:i "
    "5:successThreshold:i 6:failureThreshold:i 7:terminationGracePeriodSeconds:i!",
    "ProbeHandler": "1:exec:ExecAction 2:httpGet:HTTPGetAction 3:tcpSocket:TCPSocketAction "
    "4:grpc:GRPCAction",
    "ExecAction": "1:command:[s]",
    "HTTPGetAction": "1:path:s 2:port:x! 3:host:s 4:scheme:s 5:httpHeaders:[HTTPHeader]",
    "HTTPHeader": "1:name:s! 2:value:s!",
    "TCPSocketAction": "1:port:x! 2:host:s",
    "GRPCAction": "1:port:i! 2:service:s!",
    "Lifecycle": "1:postStart:LifecycleHandler 2:preStop:LifecycleHandler 3:stopSignal:s!",
    "LifecycleHandler": "1:exec:ExecAction 2:httpGet:HTTPGetAction "
    "3:tcpSocket:TCPSocketAction 4:sleep:SleepAction",
    "SleepAction": "1:seconds:i!",
    "SecurityContext": "1:capabilities:Capabilities 2:privileged:?! 4:runAsUser:i! "
    "8:runAsGroup:i! 5:runAsNonRoot:?! 6:readOnlyRootFilesystem:?! "
    "7:allowPrivilegeEscalation:?! 11:seccompProfile:SeccompProfile",
    "PodSecurityContext": "2:runAsUser:i! 6:runAsGroup:i! 3:runAsNonRoot:?! "
    "4:supplementalGroups:[i] 5:fsGroup:i! 10:seccompProfile:SeccompProfile",
    "SeccompProfile": "1:type:s! 2:localhostProfile:s!",
    "Capabilities": "1:add:[s] 2:drop:[s]",
    "Toleration": "1:key:s 2:operator:s 3:value:s 4:effect:s 5:tolerationSeconds:i!",
    "Volume": "1:name:s! 2::VolumeSource",
    "VolumeSource": "1:hostPath:HostPathVolumeSource 2:emptyDir:EmptyDirVolumeSource "
    "6:secret:SecretVolumeSource 10:persistentVolumeClaim:PVCVolumeSource "
    "16:downwardAPI:DownwardAPIVolumeSource 19:configMap:ConfigMapVolumeSource "
    "26:projected:ProjectedVolumeSource",
    "DownwardAPIVolumeSource": "1:items:[DownwardAPIVolumeFile] 2:defaultMode:i!",
    "DownwardAPIVolumeFile": "1:path:s! 2:fieldRef:ObjectFieldSelector "
    "3:resourceFieldRef:ResourceFieldSelector 4:mode:i!",
    "ProjectedVolumeSource": "1:sources:[VolumeProjection] 2:defaultMode:i!",
    "VolumeProjection": "1:secret:KeysProjection 2:downwardAPI:DownwardAPIProjection "
    "3:configMap:KeysProjection 4:serviceAccountToken:ServiceAccountTokenProjection",
    # SecretProjection and ConfigMapProjection share one layout.
    "KeysProjection": "1::LocalObjectReference 2:items:[KeyToPath] 4:optional:?!",
    "DownwardAPIProjection": "1:items:[DownwardAPIVolumeFile]",
    "ServiceAccountTokenProjection": "1:audience:s 2:expirationSeconds:i! 3:path:s!",
    "HostPathVolumeSource": "1:path:s! 2:type:s!",
    "EmptyDirVolumeSource": "1:medium:s 2:sizeLimit:q",
    "SecretVolumeSource": "1:secretName:s 2:items:[KeyToPath] 3:defaultMode:i! 4:optional:?!",
    "ConfigMapVolumeSource": "1::LocalObjectReference 2:items:[KeyToPath] 3:defaultMode:i! "
    "4:optional:?!",
    "KeyToPath": "1:key:s! 2:path:s! 3:mode:i!",
    "PVCVolumeSource": "1:claimName:s! 2:readOnly:?",
    "Service": "1:metadata:ObjectMeta 2:spec:ServiceSpec 3:status:Status",
    "ServiceSpec": "1:ports:[ServicePort] 2:selector:{s} 3:clusterIP:s 18:clusterIPs:[s] "
    "4:type:s 5:externalIPs:[s] 7:sessionAffinity:s 8:loadBalancerIP:s "
    "9:loadBalancerSourceRanges:[s] 10:externalName:s 11:externalTrafficPolicy:s "
    "12:healthCheckNodePort:i 13:publishNotReadyAddresses:? 19:ipFamilies:[s] "
    "17:ipFamilyPolicy:s! 20:allocateLoadBalancerNodePorts:?! 21:loadBalancerClass:s! "
    "22:internalTrafficPolicy:s! 23:trafficDistribution:s!",
    "ServicePort": "1:name:s 2:protocol:s 6:appProtocol:s! 3:port:i! 4:targetPort:x 5:nodePort:i",
    "ResourceQuota": "1:metadata:ObjectMeta 2:spec:ResourceQuotaSpec 3:status:Status",
    "ResourceQuotaSpec": "1:hard:{q} 2:scopes:[s] 3:scopeSelector:ScopeSelector",
    "ScopeSelector": "1:matchExpressions:[ScopedResourceSelectorRequirement]",
    "ScopedResourceSelectorRequirement": "1:scopeName:s! 2:operator:s! 3:values:[s]",
    "TypedLocalObjectReference": "1:apiGroup:s! 2:kind:s! 3:name:s!",
    # k8s.io/api/apps/v1
    "Deployment": "1:metadata:ObjectMeta 2:spec:DeploymentSpec 3:status:Status",
    "DeploymentSpec": "1:replicas:i! 2:selector:LabelSelector 3:template:PodTemplateSpec "
    "4:strategy:DeploymentStrategy 5:minReadySeconds:i 6:revisionHistoryLimit:i! 7:paused:? "
    "9:progressDeadlineSeconds:i!",
    "DeploymentStrategy": "1:type:s 2:rollingUpdate:RollingUpdateDeployment",
    "RollingUpdateDeployment": "1:maxUnavailable:x! 2:maxSurge:x!",
    # k8s.io/api/networking/v1
    "Ingress": "1:metadata:ObjectMeta 2:spec:IngressSpec 3:status:Status",
    "IngressSpec": "4:ingressClassName:s! 1:defaultBackend:IngressBackend "
    "2:tls:[IngressTLS] 3:rules:[IngressRule]",
    "IngressBackend": "4:service:IngressServiceBackend 3:resource:TypedLocalObjectReference",
    "IngressServiceBackend": "1:name:s! 2:port:ServiceBackendPort",
    "ServiceBackendPort": "1:name:s 2:number:i",
    "IngressRule": "1:host:s 2::IngressRuleValue",
    "IngressRuleValue": "1:http:HTTPIngressRuleValue",
    "HTTPIngressRuleValue": "1:paths:[HTTPIngressPath]",
    "HTTPIngressPath": "1:path:s 3:pathType:s! 2:backend:IngressBackend",
    "IngressTLS": "1:hosts:[s] 2:secretName:s",
    # k8s.io/api/autoscaling/v1 and v2 (CrossVersionObjectReference is the same in both)
    "HorizontalPodAutoscalerV1": "1:metadata:ObjectMeta 2:spec:HPASpecV1 3:status:Status",
    "HPASpecV1": "1:scaleTargetRef:CrossVersionObjectReference 2:minReplicas:i! "
    "3:maxReplicas:i! 4:targetCPUUtilizationPercentage:i!",
    "CrossVersionObjectReference": "1:kind:s! 2:name:s! 3:apiVersion:s",
    "HorizontalPodAutoscalerV2": "1:metadata:ObjectMeta 2:spec:HPASpecV2 3:status:Status",
    "HPASpecV2": "1:scaleTargetRef:CrossVersionObjectReference 2:minReplicas:i! "
    "3:maxReplicas:i! 4:metrics:[MetricSpec] 5:behavior:HPABehavior",
    "MetricSpec": "1:type:s! 2:object:ObjectMetricSource 3:pods:PodsMetricSource "
    "4:resource:ResourceMetricSource 7:containerResource:ContainerResourceMetricSource "
    "5:external:PodsMetricSource",
    "ResourceMetricSource": "1:name:s! 2:target:MetricTarget",
    "ContainerResourceMetricSource": "1:name:s! 2:target:MetricTarget 3:container:s!",
    # PodsMetricSource and ExternalMetricSource share one layout.
    "PodsMetricSource": "1:metric:MetricIdentifier 2:target:MetricTarget",
    "ObjectMetricSource": "1:describedObject:CrossVersionObjectReference "
    "2:target:MetricTarget 3:metric:MetricIdentifier",
    "MetricIdentifier": "1:name:s! 2:selector:LabelSelector",
    "MetricTarget": "1:type:s! 2:value:q 3:averageValue:q 4:averageUtilization:i!",
    "HPABehavior": "1:scaleUp:HPAScalingRules 2:scaleDown:HPAScalingRules",
    "HPAScalingRules": "3:stabilizationWindowSeconds:i! 1:selectPolicy:s! "
    "2:policies:[HPAScalingPolicy] 4:tolerance:q",
    "HPAScalingPolicy": "1:type:s! 2:value:i! 3:periodSeconds:i!",
    # k8s.io/api/batch/v1 (kubectl create job)
    "Job": "1:metadata:ObjectMeta 2:spec:JobSpec 3:status:Status",
    "JobSpec": "1:parallelism:i! 2:completions:i! 3:activeDeadlineSeconds:i! "
    "4:selector:LabelSelector 5:manualSelector:?! 6:template:PodTemplateSpec 7:backoffLimit:i! "
    "8:ttlSecondsAfterFinished:i! 9:completionMode:s! 10:suspend:?! "
    "12:backoffLimitPerIndex:i! 13:maxFailedIndexes:i! 14:podReplacementPolicy:s! "
    "15:managedBy:s!",
    "CronJob": "1:metadata:ObjectMeta 2:spec:CronJobSpec 3:status:Status",
    "CronJobSpec": "1:schedule:s! 8:timeZone:s! 2:startingDeadlineSeconds:i! "
    "3:concurrencyPolicy:s 4:suspend:?! 5:jobTemplate:JobTemplateSpec "
    "6:successfulJobsHistoryLimit:i! 7:failedJobsHistoryLimit:i!",
    "JobTemplateSpec": "1:metadata:ObjectMeta 2:spec:JobSpec",
    # k8s.io/api/policy/v1 (kubectl create pdb, kubectl drain's evictions)
    "PodDisruptionBudget": "1:metadata:ObjectMeta 2:spec:PodDisruptionBudgetSpec 3:status:Status",
    "PodDisruptionBudgetSpec": "1:minAvailable:x 2:selector:LabelSelector 3:maxUnavailable:x "
    "4:unhealthyPodEvictionPolicy:s!",
    "Eviction": "1:metadata:ObjectMeta 2:deleteOptions:DeleteOptions",
    # k8s.io/api/rbac/v1
    "PolicyRule": "1:verbs:[s] 2:apiGroups:[s] 3:resources:[s] 4:resourceNames:[s] "
    "5:nonResourceURLs:[s]",
    "Role": "1:metadata:ObjectMeta 2:rules:[PolicyRule]",
    "ClusterRole": "1:metadata:ObjectMeta 2:rules:[PolicyRule] 3:aggregationRule:AggregationRule",
    "AggregationRule": "1:clusterRoleSelectors:[LabelSelector]",
    "Subject": "1:kind:s! 2:apiGroup:s 3:name:s! 4:namespace:s",
    "RoleRef": "1:apiGroup:s! 2:kind:s! 3:name:s!",
    "RoleBinding": "1:metadata:ObjectMeta 2:subjects:[Subject] 3:roleRef:RoleRef",
}

# (apiVersion, kind) of an envelope -> its message; DeleteOptions comes under any version.
_OBJECTS: dict[tuple[str, str], str] = {
    ("v1", "Namespace"): "Namespace",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Secret"): "Secret",
    ("v1", "ServiceAccount"): "ServiceAccount",
    ("v1", "ResourceQuota"): "ResourceQuota",
    ("batch/v1", "Job"): "Job",
    ("policy/v1", "PodDisruptionBudget"): "PodDisruptionBudget",
    ("policy/v1", "Eviction"): "Eviction",
    ("batch/v1", "CronJob"): "CronJob",
    ("rbac.authorization.k8s.io/v1", "Role"): "Role",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "ClusterRole",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "RoleBinding",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "RoleBinding",
    ("v1", "Pod"): "Pod",
    ("v1", "Service"): "Service",
    ("apps/v1", "Deployment"): "Deployment",
    ("networking.k8s.io/v1", "Ingress"): "Ingress",
    ("autoscaling/v1", "HorizontalPodAutoscaler"): "HorizontalPodAutoscalerV1",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "HorizontalPodAutoscalerV2",
}


_SCALARS = frozenset("sbi?tqx")


@dataclass(frozen=True)
class _Field:
    json: str  # "" inlines a message into its parent
    kind: str  # one of "sbi?tqx" or a message name
    repeated: bool
    mapped: bool
    keep_zero: bool


def _parse_schema(text: dict[str, str]) -> dict[str, dict[int, _Field]]:
    schema: dict[str, dict[int, _Field]] = {}
    for message, spec in text.items():
        fields: dict[int, _Field] = {}
        for entry in spec.split():
            number, json_name, kind = entry.split(":")
            keep = kind.endswith("!")
            kind = kind.rstrip("!")
            repeated, mapped = kind.startswith("["), kind.startswith("{")
            fields[int(number)] = _Field(json_name, kind.strip("[]{}"), repeated, mapped, keep)
        schema[message] = fields
    for fields in schema.values():
        for field in fields.values():
            assert field.kind in _SCALARS or field.kind in schema, field.kind
    return schema


_SCHEMA = _parse_schema(_SCHEMA_TEXT)


class _Malformed(ValueError):
    """The bytes are not a well-formed message of the expected shape."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise _Malformed("unexpected end of data in a varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise _Malformed("varint overflows 64 bits")


def _take(buf: bytes, pos: int, size: int) -> tuple[bytes, int]:
    if size < 0 or pos + size > len(buf):
        raise _Malformed("unexpected end of data")
    return buf[pos : pos + size], pos + size


def _read_fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) for each field; groups are skipped whole."""
    pos = 0
    groups: list[int] = []
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Malformed("illegal field number 0")
        value: int | bytes
        if wire == _VARINT:
            value, pos = _varint(buf, pos)
        elif wire == _FIXED64:
            raw, pos = _take(buf, pos, 8)
            value = int.from_bytes(raw, "little")
        elif wire == _BYTES:
            size, pos = _varint(buf, pos)
            value, pos = _take(buf, pos, size)
        elif wire == _FIXED32:
            raw, pos = _take(buf, pos, 4)
            value = int.from_bytes(raw, "little")
        elif wire == _GROUP_START:
            groups.append(number)
            continue
        elif wire == _GROUP_END:
            if not groups or groups.pop() != number:
                raise _Malformed(f"unmatched end of group {number}")
            continue
        else:
            raise _Malformed(f"illegal wire type {wire} for field {number}")
        if not groups:
            yield number, wire, value
    if groups:
        raise _Malformed(f"unterminated group {groups[-1]}")


def _signed(value: int) -> int:
    # int32 and int64 negatives travel as 64-bit two's complement varints.
    return value - (1 << 64) if value >= 1 << 63 else value


def _expect(wire: int, wanted: int, field: str) -> None:
    if wire != wanted:
        raise _Malformed(f"wrong wire type {wire} for field {field}")


def _bytes_of(wire: int, value: int | bytes, field: str) -> bytes:
    _expect(wire, _BYTES, field)
    assert isinstance(value, bytes)
    return value


def _time(buf: bytes) -> str | None:
    seconds = 0
    for number, wire, value in _read_fields(buf):
        if number == 1:
            _expect(wire, _VARINT, "seconds")
            assert isinstance(value, int)
            seconds = _signed(value)
    if seconds == 0:
        # The zero Time is absent from JSON (omitzero); sub-second parts are not in JSON.
        return None
    try:
        stamp = datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise _Malformed(f"time {seconds} out of range") from None
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(buf: bytes) -> int | str:
    kind, number_value, text = 0, 0, ""
    for number, wire, value in _read_fields(buf):
        if number in (1, 2):
            _expect(wire, _VARINT, "IntOrString")
            assert isinstance(value, int)
            if number == 1:
                kind = value
            else:
                number_value = _signed(value)
        elif number == 3:
            text = _bytes_of(wire, value, "strVal").decode("utf-8", "replace")
    return text if kind == 1 else number_value


def _quantity(buf: bytes) -> str:
    text = ""
    for number, wire, value in _read_fields(buf):
        if number == 1:
            text = _bytes_of(wire, value, "Quantity").decode("utf-8", "replace")
    return text


def _scalar(kind: str, wire: int, value: int | bytes, name: str) -> Any:
    if kind in ("i", "?"):
        _expect(wire, _VARINT, name)
        assert isinstance(value, int)
        return value != 0 if kind == "?" else _signed(value)
    raw = _bytes_of(wire, value, name)
    if kind == "s":
        return raw.decode("utf-8", "replace")
    if kind == "b":
        return base64.b64encode(raw).decode("ascii")
    if kind == "t":
        return _time(raw)
    if kind == "q":
        return _quantity(raw)
    if kind == "x":
        return _int_or_string(raw)
    return _message(raw, kind)


def _packed(raw: bytes) -> list[int]:
    out: list[int] = []
    pos = 0
    while pos < len(raw):
        value, pos = _varint(raw, pos)
        out.append(_signed(value))
    return out


def _map_entry(raw: bytes, field: _Field) -> tuple[str, Any]:
    key = ""
    item: Any = 0 if field.kind in ("i", "?") else _scalar(field.kind, _BYTES, b"", field.json)
    for number, wire, value in _read_fields(raw):
        if number == 1:
            key = _bytes_of(wire, value, f"{field.json} key").decode("utf-8", "replace")
        elif number == 2:
            item = _scalar(field.kind, wire, value, field.json)
    return key, item


def _is_zero(value: Any) -> bool:
    return value is None or (not isinstance(value, dict) and value in ("", 0))


def _message(buf: bytes, name: str) -> dict[str, Any]:
    fields = _SCHEMA[name]
    out: dict[str, Any] = {}
    for number, wire, value in _read_fields(buf):
        field = fields.get(number)
        if field is None:
            continue
        if field.mapped:
            key, item = _map_entry(_bytes_of(wire, value, field.json), field)
            out.setdefault(field.json, {})[key] = item
        elif field.repeated:
            items = out.setdefault(field.json, [])
            if field.kind == "i" and wire == _BYTES:
                items.extend(_packed(_bytes_of(wire, value, field.json)))
            else:
                items.append(_scalar(field.kind, wire, value, field.json))
        elif not field.json:
            out.update(_scalar(field.kind, wire, value, name))
        else:
            item = _scalar(field.kind, wire, value, field.json)
            # gogo-protobuf writes every non-pointer scalar; JSON's omitempty drops the zero.
            # A zero Time or IntOrString means unset too (the apiserver defaults targetPort 0).
            if field.keep_zero and item is not None or not _is_zero(item):
                out[field.json] = item
            else:
                out.pop(field.json, None)
    return out


def _envelope(raw: bytes) -> tuple[str, str, bytes, str]:
    """(apiVersion, kind, raw, contentEncoding) of a runtime.Unknown."""
    api_version = kind = encoding = ""
    body = b""
    for number, wire, value in _read_fields(raw):
        if number == 1:
            for sub, sub_wire, sub_value in _read_fields(_bytes_of(wire, value, "typeMeta")):
                text = _bytes_of(sub_wire, sub_value, "typeMeta").decode("utf-8", "replace")
                if sub == 1:
                    api_version = text
                elif sub == 2:
                    kind = text
        elif number == 2:
            body = _bytes_of(wire, value, "raw")
        elif number == 3:
            encoding = _bytes_of(wire, value, "contentEncoding").decode("utf-8", "replace")
    return api_version, kind, body, encoding


def decode(data: bytes) -> dict[str, Any]:
    """The JSON object a Kubernetes protobuf body stands for, with its apiVersion and kind.

    Raises ApiError 400 (BadRequest) for bytes that are not a well-formed protobuf object,
    and 415 (UnsupportedMediaType) for a kind this server has no protobuf schema for.
    """
    prefix = " ".join(str(b) for b in MAGIC)
    try:
        if not data:
            raise _Malformed("empty data")
        if not data.startswith(MAGIC):
            raise _Malformed(
                "provided data does not appear to be a protobuf message, "
                f"expected prefix [{prefix}]"
            )
        api_version, kind, body, encoding = _envelope(data[len(MAGIC) :])
    except _Malformed as exc:
        raise ApiError(400, f"the object provided is unrecognized: {exc}") from None
    version = api_version.rpartition("/")[2]
    if encoding:
        raise ApiError(
            400,
            f'{kind} in version "{version}" cannot be handled as a {kind}: unable to decode: '
            f'content encoding "{encoding}" is not supported',
        )
    message = "DeleteOptions" if kind == "DeleteOptions" else _OBJECTS.get((api_version, kind))
    if message is None:
        raise ApiError(
            415,
            f"the body of the request was in an unknown format - {kind or 'an object'} in "
            f"{api_version or 'no version'} is accepted as application/json or "
            "application/yaml only",
            reason="UnsupportedMediaType",
        )
    try:
        obj = _message(body, message)
    except _Malformed as exc:
        raise ApiError(
            400, f'{kind} in version "{version}" cannot be handled as a {kind}: {exc}'
        ) from None
    return {"kind": kind, "apiVersion": api_version, **obj}
