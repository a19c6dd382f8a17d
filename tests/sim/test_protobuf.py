"""Kubernetes protobuf request bodies: kubectl's typed commands against the embedded cluster, and
the decoder on hand-encoded messages."""

from __future__ import annotations

import base64
import contextlib
import json
import struct
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_stack_sim.api.errors import ApiError
from kubectl_stack_sim.api.protobuf import decode
from kubectl_stack_sim.runner import RunningSim

Kubectl = Callable[..., "subprocess.CompletedProcess[str]"]
Obj = dict[str, Any]

# A tiny protobuf encoder, enough to build the bodies client-go sends.


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negatives as 64-bit two's complement, like Go's int32/int64
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def tag(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def vi(number: int, value: int) -> bytes:
    return tag(number, 0) + varint(value)


def ld(number: int, *parts: bytes | str) -> bytes:
    payload = b"".join(p.encode() if isinstance(p, str) else p for p in parts)
    return tag(number, 2) + varint(len(payload)) + payload


def f64(number: int, value: int) -> bytes:
    return tag(number, 1) + struct.pack("<Q", value)


def f32(number: int, value: int) -> bytes:
    return tag(number, 5) + struct.pack("<I", value)


def entry(number: int, key: str, value: bytes | str) -> bytes:
    return ld(number, ld(1, key), ld(2, value))


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = ld(1, ld(1, api_version), ld(2, kind))
    return b"k8s\x00" + type_meta + ld(2, raw) + ld(3, "") + ld(4, "")


def meta(name: str, *extra: bytes) -> bytes:
    # As gogo-protobuf writes it: every non-pointer field, zero or not.
    zeros = ld(2, "") + ld(3, "") + ld(4, "") + ld(5, "") + ld(6, "") + vi(7, 0) + ld(8)
    return ld(1, ld(1, name), zeros, *extra)


def int_or_string(number: int, value: int | str) -> bytes:
    if isinstance(value, int):
        return ld(number, vi(1, 0), vi(2, value), ld(3, ""))
    return ld(number, vi(1, 1), vi(2, 0), ld(3, value))


# ---------------------------------------------------------------------------------------
# kubectl's typed commands, end to end


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def get(kubectl: Kubectl, kind: str, name: str) -> Obj:
    obj: Obj = json.loads(ok(kubectl("get", kind, name, "-o", "json")))
    return obj


def test_create_namespace_goes_over_protobuf_and_answers_json(kubectl: Kubectl) -> None:
    proc = kubectl("create", "namespace", "team-a", "-v=8")
    assert proc.stdout == "namespace/team-a created\n", proc.stderr
    assert "Content-Type: application/vnd.kubernetes.protobuf" in proc.stderr
    assert 'status="201 Created"' in proc.stderr
    ns = get(kubectl, "namespace", "team-a")
    assert ns["metadata"]["name"] == "team-a"
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert ns["status"] == {"phase": "Active"}
    assert "generateName" not in ns["metadata"]


def test_create_configmap_keeps_text_empty_and_binary_values(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    blob = tmp_path / "logo.bin"
    blob.write_bytes(b"\x89PNG\xff\x00\x01")
    ok(
        kubectl(
            "create",
            "configmap",
            "settings",
            "--from-literal=mode=fast",
            "--from-literal=empty=",
            f"--from-file={blob}",
        )
    )
    cm = get(kubectl, "configmap", "settings")
    assert cm["data"] == {"mode": "fast", "empty": ""}
    assert cm["binaryData"] == {"logo.bin": base64.b64encode(b"\x89PNG\xff\x00\x01").decode()}
    assert "immutable" not in cm


def test_create_secret_generic_stores_base64_data_and_type(kubectl: Kubectl) -> None:
    ok(kubectl("create", "secret", "generic", "db", "--from-literal=user=admin", "--type=x/y"))
    secret = get(kubectl, "secret", "db")
    assert secret["data"] == {"user": "YWRtaW4="}
    assert secret["type"] == "x/y"
    ok(kubectl("create", "secret", "generic", "plain", "--from-literal=k=v"))
    assert get(kubectl, "secret", "plain")["type"] == "Opaque"


def test_create_secret_tls_stores_the_pem_files(kubectl: Kubectl, tmp_path: Path) -> None:
    cert = trustme.CA().issue_cert("shop.example")
    crt, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert.cert_chain_pems[0].write_to_path(str(crt))
    cert.private_key_pem.write_to_path(str(key))
    ok(kubectl("create", "secret", "tls", "shop-tls", f"--cert={crt}", f"--key={key}"))
    secret = get(kubectl, "secret", "shop-tls")
    assert secret["type"] == "kubernetes.io/tls"
    assert base64.b64decode(secret["data"]["tls.crt"]) == crt.read_bytes()
    assert base64.b64decode(secret["data"]["tls.key"]) == key.read_bytes()


def test_create_secret_docker_registry_stores_dockerconfigjson(kubectl: Kubectl) -> None:
    ok(
        kubectl(
            "create",
            "secret",
            "docker-registry",
            "pull",
            "--docker-server=registry.example",
            "--docker-username=bot",
            "--docker-password=pw",
        )
    )
    secret = get(kubectl, "secret", "pull")
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))
    assert config["auths"]["registry.example"]["username"] == "bot"
    assert config["auths"]["registry.example"]["password"] == "pw"


def test_create_deployment_sets_replicas_selector_image_and_port(kubectl: Kubectl) -> None:
    ok(kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80"))
    deploy = get(kubectl, "deployment", "web")
    spec = deploy["spec"]
    assert deploy["metadata"]["labels"] == {"app": "web"}
    assert spec["replicas"] == 2
    assert spec["selector"] == {"matchLabels": {"app": "web"}}
    assert spec["template"]["metadata"] == {"labels": {"app": "web"}}
    [container] = spec["template"]["spec"]["containers"]
    assert container["name"] == "nginx"
    assert container["image"] == "nginx:1.27"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert container["resources"] == {}
    # Zero-valued non-pointer fields that protobuf carries are not invented into the object.
    assert "minReadySeconds" not in spec and "paused" not in spec
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": "25%"}


def test_create_deployment_with_zero_replicas_keeps_zero(kubectl: Kubectl) -> None:
    ok(kubectl("create", "deployment", "idle", "--image=busybox", "--replicas=0"))
    assert get(kubectl, "deployment", "idle")["spec"]["replicas"] == 0


def test_create_deployment_with_command_and_two_images(kubectl: Kubectl) -> None:
    ok(kubectl("create", "deployment", "pair", "--image=busybox", "--image=redis:7"))
    names = [
        (c["name"], c["image"])
        for c in get(kubectl, "deployment", "pair")["spec"]["template"]["spec"]["containers"]
    ]
    assert names == [("busybox", "busybox"), ("redis", "redis:7")]
    ok(kubectl("create", "deployment", "sleeper", "--image=busybox", "--", "sleep", "3600"))
    [container] = get(kubectl, "deployment", "sleeper")["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["sleep", "3600"]


def test_create_service_clusterip_nodeport_loadbalancer_externalname(kubectl: Kubectl) -> None:
    ok(kubectl("create", "service", "clusterip", "api", "--tcp=5678:8080"))
    ok(kubectl("create", "service", "clusterip", "headless", "--clusterip=None"))
    ok(kubectl("create", "service", "nodeport", "edge", "--tcp=80:8080", "--node-port=30080"))
    ok(kubectl("create", "service", "loadbalancer", "lb", "--tcp=443:8443"))
    ok(kubectl("create", "service", "externalname", "db", "--external-name=db.example.com"))
    api = get(kubectl, "service", "api")["spec"]
    assert api["type"] == "ClusterIP"
    assert api["selector"] == {"app": "api"}
    assert api["ports"] == [
        {"name": "5678-8080", "port": 5678, "protocol": "TCP", "targetPort": 8080}
    ]
    assert get(kubectl, "service", "headless")["spec"]["clusterIP"] == "None"
    edge = get(kubectl, "service", "edge")["spec"]
    assert edge["type"] == "NodePort"
    assert edge["ports"][0]["nodePort"] == 30080
    assert edge["ports"][0]["targetPort"] == 8080
    lb = get(kubectl, "service", "lb")["spec"]
    assert lb["type"] == "LoadBalancer"
    assert lb["ports"][0]["port"] == 443
    assert 30000 <= lb["ports"][0]["nodePort"] <= 32767
    db = get(kubectl, "service", "db")["spec"]
    assert db["type"] == "ExternalName"
    assert db["externalName"] == "db.example.com"


def test_create_ingress_sets_class_rules_tls_and_default_backend(kubectl: Kubectl) -> None:
    ok(
        kubectl(
            "create",
            "ingress",
            "shop",
            "--class=nginx",
            "--rule=shop.example/api*=api:80,tls=shop-tls",
            "--rule=admin.example/=admin:http",
            "--default-backend=web:8080",
            "--annotation=team=shop",
        )
    )
    ing = get(kubectl, "ingress", "shop")
    spec = ing["spec"]
    assert ing["metadata"]["annotations"] == {"team": "shop"}
    assert spec["ingressClassName"] == "nginx"
    assert spec["defaultBackend"] == {"service": {"name": "web", "port": {"number": 8080}}}
    assert spec["tls"] == [{"hosts": ["shop.example"], "secretName": "shop-tls"}]
    assert spec["rules"] == [
        {
            "host": "shop.example",
            "http": {
                "paths": [
                    {
                        "path": "/api",
                        "pathType": "Prefix",
                        "backend": {"service": {"name": "api", "port": {"number": 80}}},
                    }
                ]
            },
        },
        {
            "host": "admin.example",
            "http": {
                "paths": [
                    {
                        "path": "/",
                        "pathType": "Exact",
                        "backend": {"service": {"name": "admin", "port": {"name": "http"}}},
                    }
                ]
            },
        },
    ]


def test_run_creates_pod_with_labels_port_env_and_restart_policy(kubectl: Kubectl) -> None:
    ok(
        kubectl(
            "run",
            "probe",
            "--image=nginx:1.27",
            "--port=8080",
            "--labels=app=probe,tier=web",
            "--env=MODE=debug",
            "--restart=Never",
        )
    )
    pod = get(kubectl, "pod", "probe")
    assert pod["metadata"]["labels"] == {"app": "probe", "tier": "web"}
    assert pod["spec"]["restartPolicy"] == "Never"
    [container] = pod["spec"]["containers"]
    assert container["image"] == "nginx:1.27"
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert container["env"] == [{"name": "MODE", "value": "debug"}]


def test_expose_deployment_selects_its_pods(kubectl: Kubectl) -> None:
    ok(kubectl("create", "deployment", "web", "--image=nginx", "--port=8080"))
    ok(kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080"))
    spec = get(kubectl, "service", "web")["spec"]
    assert spec["selector"] == {"app": "web"}
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8080}]


def test_run_with_expose_creates_pod_and_its_service(kubectl: Kubectl) -> None:
    assert ok(kubectl("run", "api", "--image=nginx", "--port=80", "--expose")) == (
        "pod/api created\nservice/api created\n"
    )
    spec = get(kubectl, "service", "api")["spec"]
    assert spec["selector"] == {"run": "api"}
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]


def test_autoscale_creates_v2_hpa_with_cpu_target(kubectl: Kubectl) -> None:
    ok(kubectl("create", "deployment", "web", "--image=nginx"))
    ok(kubectl("autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80"))
    spec = get(kubectl, "hpa", "web")["spec"]
    assert spec["minReplicas"] == 2
    assert spec["maxReplicas"] == 5
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    assert spec["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80},
            },
        }
    ]


def test_autoscale_with_cpu_and_memory_quantities(kubectl: Kubectl) -> None:
    ok(kubectl("create", "deployment", "bar", "--image=nginx"))
    ok(
        kubectl(
            "autoscale", "deployment", "bar", "--min=3", "--max=6", "--cpu=500m", "--memory=200Mi"
        )
    )
    spec = get(kubectl, "hpa", "bar")["spec"]
    targets = {m["resource"]["name"]: m["resource"]["target"] for m in spec["metrics"]}
    assert targets == {
        "cpu": {"type": "AverageValue", "averageValue": "500m"},
        "memory": {"type": "AverageValue", "averageValue": "200Mi"},
    }


def test_drain_deletes_pods_with_protobuf_delete_options(kubectl: Kubectl, sim: RunningSim) -> None:
    on_node = ok(
        kubectl("get", "pods", "--field-selector=spec.nodeName=node-1", "-o", "name")
    ).split()
    assert on_node
    with ThreadPoolExecutor(1) as pool:
        drain = pool.submit(
            kubectl, "drain", "node-1", "--force", "--grace-period=5", "--timeout=30s"
        )
        # Pods go after their grace period on the virtual clock; kubectl polls every second.
        while not drain.done():
            sim.advance(3)
            with contextlib.suppress(TimeoutError):
                drain.result(timeout=0.3)
    out = ok(drain.result())
    assert "node/node-1 drained" in out
    remaining = ok(kubectl("get", "pods", "-o", "name")).split()
    assert not set(on_node) & set(remaining)


# Every PodSpec field below comes back from `kubectl debug --copy-to`, which re-sends the pod
# as protobuf.
RICH = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "rich", "labels": {"app": "rich"}, "annotations": {"note": "x"}},
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "shop:2",
                "command": ["serve"],
                "args": ["--port", "8080"],
                "workingDir": "/srv",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "env": [
                    {"name": "MODE", "value": "prod"},
                    {
                        "name": "TOKEN",
                        "valueFrom": {
                            "secretKeyRef": {"name": "creds", "key": "token", "optional": True}
                        },
                    },
                    {
                        "name": "LEVEL",
                        "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "level"}},
                    },
                    {
                        "name": "NODE",
                        "valueFrom": {
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}
                        },
                    },
                    {
                        "name": "MEM",
                        "valueFrom": {
                            "resourceFieldRef": {
                                "containerName": "app",
                                "resource": "limits.memory",
                                "divisor": "1Mi",
                            }
                        },
                    },
                ],
                "envFrom": [
                    {"configMapRef": {"name": "settings"}},
                    {"prefix": "S_", "secretRef": {"name": "creds", "optional": False}},
                ],
                "resources": {
                    "limits": {"cpu": "1", "memory": "256Mi"},
                    "requests": {"cpu": "250m", "memory": "128Mi"},
                },
                "volumeMounts": [
                    {"name": "conf", "mountPath": "/etc/shop", "readOnly": True},
                    {"name": "cache", "mountPath": "/cache", "subPath": "app"},
                ],
                "livenessProbe": {
                    "httpGet": {
                        "path": "/live",
                        "port": "http",
                        "scheme": "HTTP",
                        "httpHeaders": [{"name": "X-Probe", "value": "1"}],
                    },
                    "initialDelaySeconds": 5,
                    "periodSeconds": 10,
                    "timeoutSeconds": 2,
                    "successThreshold": 1,
                    "failureThreshold": 3,
                },
                "readinessProbe": {
                    "tcpSocket": {"port": 8080},
                    "periodSeconds": 2,
                    "timeoutSeconds": 1,
                    "successThreshold": 1,
                    "failureThreshold": 3,
                },
                "startupProbe": {
                    "exec": {"command": ["cat", "/tmp/ready"]},
                    "failureThreshold": 30,
                    "periodSeconds": 1,
                    "timeoutSeconds": 1,
                    "successThreshold": 1,
                },
                "lifecycle": {
                    "preStop": {"exec": {"command": ["sleep", "5"]}},
                    "postStart": {"httpGet": {"path": "/warm", "port": 8080, "scheme": "HTTP"}},
                },
                "imagePullPolicy": "IfNotPresent",
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": 1000,
                    "readOnlyRootFilesystem": True,
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "FallbackToLogsOnError",
                "stdin": True,
                "tty": True,
            }
        ],
        "initContainers": [
            {
                "name": "migrate",
                "image": "shop-migrate:2",
                "args": ["up"],
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent",
            }
        ],
        "volumes": [
            {
                "name": "conf",
                "configMap": {
                    "name": "settings",
                    "items": [{"key": "a", "path": "a.conf", "mode": 256}],
                    "defaultMode": 420,
                    "optional": True,
                },
            },
            {"name": "certs", "secret": {"secretName": "tls", "defaultMode": 384}},
            {"name": "cache", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "data", "readOnly": True}},
            {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}},
            {
                "name": "info",
                "downwardAPI": {
                    "items": [
                        {
                            "path": "labels",
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels"},
                        }
                    ],
                    "defaultMode": 420,
                },
            },
            {
                "name": "bundle",
                "projected": {
                    "defaultMode": 420,
                    "sources": [
                        {"secret": {"name": "creds", "items": [{"key": "token", "path": "token"}]}},
                        {"configMap": {"name": "settings"}},
                        {
                            "serviceAccountToken": {
                                "audience": "vault",
                                "expirationSeconds": 600,
                                "path": "vault-token",
                            }
                        },
                    ],
                },
            },
        ],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 45,
        "activeDeadlineSeconds": 3600,
        "dnsPolicy": "ClusterFirst",
        "nodeSelector": {"disk": "ssd"},
        "serviceAccountName": "default",
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsUser": 1000,
            "runAsGroup": 3000,
            "fsGroup": 2000,
            "supplementalGroups": [4000, 5000],
            "runAsNonRoot": True,
        },
        "imagePullSecrets": [{"name": "pull"}],
        "hostname": "rich",
        "subdomain": "svc",
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": "zone", "operator": "In", "values": ["a", "b"]}
                            ]
                        }
                    ]
                },
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 10,
                        "preference": {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]},
                    }
                ],
            },
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "labelSelector": {"matchLabels": {"app": "rich"}},
                            "topologyKey": "kubernetes.io/hostname",
                        },
                    }
                ]
            },
        },
        "schedulerName": "default-scheduler",
        "tolerations": [
            {"key": "dedicated", "operator": "Equal", "value": "shop", "effect": "NoSchedule"},
            {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60},
        ],
        "hostAliases": [{"ip": "10.0.0.9", "hostnames": ["legacy.local"]}],
        "dnsConfig": {
            "nameservers": ["1.1.1.1"],
            "searches": ["shop.svc"],
            "options": [{"name": "ndots", "value": "2"}],
        },
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app": "rich"}},
            }
        ],
        "enableServiceLinks": False,
    },
}


def test_debug_copy_keeps_every_pod_spec_field_through_protobuf(kubectl: Kubectl) -> None:
    ok(kubectl("create", "-f", "-", input=json.dumps(RICH)))
    keep = ["--keep-labels", "--keep-annotations", "--keep-init-containers", "--same-node"]
    keep += ["--keep-liveness", "--keep-readiness", "--keep-startup"]
    ok(kubectl("debug", "rich", "--image=busybox", "--copy-to=copy", "--container=dbg", *keep))
    original, copy = get(kubectl, "pod", "rich"), get(kubectl, "pod", "copy")
    assert copy["metadata"]["labels"] == {"app": "rich"}
    assert copy["metadata"]["annotations"]["note"] == "x"
    spec = copy["spec"]
    debugger = spec["containers"].pop()
    assert (debugger["name"], debugger["image"]) == ("dbg", "busybox")
    assert spec.pop("shareProcessNamespace") is True
    assert spec == original["spec"]


# ---------------------------------------------------------------------------------------
# Raw HTTP: DeleteOptions, the v1 HPA, errors


def test_delete_with_protobuf_grace_period_marks_the_pod(api: Any, sim: RunningSim) -> None:
    status, pods = api.json("/api/v1/namespaces/default/pods")
    name = pods["items"][0]["metadata"]["name"]
    body = envelope("v1", "DeleteOptions", vi(1, 7))
    status, _, raw = api.request(
        f"/api/v1/namespaces/default/pods/{name}",
        method="DELETE",
        body=body,
        content_type="application/vnd.kubernetes.protobuf",
    )
    assert status == 200, raw
    assert json.loads(raw)["metadata"]["deletionGracePeriodSeconds"] == 7


def test_autoscaling_v1_hpa_in_protobuf_is_served_as_v1(api: Any) -> None:
    ref = ld(1, ld(1, "Deployment"), ld(2, "my-app"), ld(3, "apps/v1"))
    spec = ld(2, ref, vi(2, 1), vi(3, 4), vi(4, 70))
    body = envelope("autoscaling/v1", "HorizontalPodAutoscaler", meta("v1-hpa") + spec)
    status, _, raw = api.request(
        "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
        method="POST",
        body=body,
        content_type="application/vnd.kubernetes.protobuf",
    )
    assert status == 201, raw
    created = json.loads(raw)
    assert created["apiVersion"] == "autoscaling/v1"
    assert created["spec"]["targetCPUUtilizationPercentage"] == 70
    assert created["spec"]["maxReplicas"] == 4


@pytest.mark.parametrize(
    ("body", "code", "reason"),
    [
        (b"not protobuf", 400, "BadRequest"),
        (envelope("v1", "ConfigMap", ld(1, b"\x0a\x09short")), 400, "BadRequest"),
        (envelope("v1", "Node", meta("n")), 415, "UnsupportedMediaType"),
    ],
)
def test_bad_protobuf_bodies_get_a_status(api: Any, body: bytes, code: int, reason: str) -> None:
    status, _, raw = api.request(
        "/api/v1/namespaces/default/configmaps",
        method="POST",
        body=body,
        content_type="application/vnd.kubernetes.protobuf",
    )
    answer = json.loads(raw)
    assert (status, answer["kind"], answer["code"], answer["reason"]) == (
        code,
        "Status",
        code,
        reason,
    )


# ---------------------------------------------------------------------------------------
# The decoder on hand-encoded bytes


def test_decoder_reads_the_envelope_and_omits_gogo_zero_fields() -> None:
    obj = decode(envelope("v1", "Namespace", meta("foo") + ld(2) + ld(3, ld(1, ""))))
    assert obj == {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": "foo"},
        "spec": {},
        "status": {},
    }


def test_decoder_skips_unknown_fields_of_every_wire_type() -> None:
    unknown = (
        vi(90, 5)
        + f64(91, 2**63)
        + ld(92, "zzz")
        + f32(93, 7)
        + tag(94, 3)
        + vi(1, 1)
        + ld(2, "in a group")
        + tag(94, 4)
    )
    body = ld(1, ld(1, "cm"), unknown) + unknown + entry(2, "a", "b")
    assert decode(envelope("v1", "ConfigMap", body)) == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"name": "cm"},
        "data": {"a": "b"},
    }


def test_decoder_secret_bytes_become_base64_and_pointer_zeros_stay() -> None:
    body = (
        meta("s", entry(11, "app", "x"))
        + entry(2, "key", b"\x00\xffbin")
        + entry(4, "plain", "text")
        + ld(3, "Opaque")
        + vi(5, 0)
    )
    obj = decode(envelope("v1", "Secret", body))
    assert obj["metadata"] == {"name": "s", "labels": {"app": "x"}}
    assert obj["data"] == {"key": base64.b64encode(b"\x00\xffbin").decode()}
    assert obj["stringData"] == {"plain": "text"}
    assert obj["type"] == "Opaque"
    assert obj["immutable"] is False


def test_decoder_pod_template_fields() -> None:
    probe = ld(11, ld(1, ld(2, ld(1, "/ready"), int_or_string(2, "http"))), vi(4, 2), vi(6, 0))
    env = ld(
        7,
        ld(1, "TOKEN"),
        ld(2, ""),
        ld(3, ld(4, ld(1, ld(1, "creds")), ld(2, "token"), vi(3, 1))),
    )
    resources = ld(8, entry(1, "memory", ld(1, "128Mi")), entry(2, "cpu", ld(1, "250m")))
    container = ld(
        2,
        ld(1, "app"),
        ld(2, "shop:2"),
        ld(3, "serve"),
        ld(4, "--port"),
        ld(4, "8080"),
        ld(6, ld(1, "http"), vi(2, 0), vi(3, 8080), ld(4, "TCP"), ld(5, "")),
        env,
        ld(19, ld(1, ""), ld(2, ld(1, ld(1, "settings")))),
        resources,
        ld(9, ld(1, "conf"), vi(2, 1), ld(3, "/etc/shop")),
        probe,
        ld(14, "IfNotPresent"),
        vi(16, 0),
    )
    volumes = ld(1, ld(1, "conf"), ld(2, ld(19, ld(1, ld(1, "settings")), vi(3, 420)))) + ld(
        1, ld(1, "cache"), ld(2, ld(2, ld(1, ""), ld(2, ld(1, "1Gi"))))
    )
    pod_spec = ld(2, volumes, container, ld(3, "Always"), vi(4, 0), ld(6, "ClusterFirst"))
    template = ld(3, meta("", entry(11, "app", "shop")), pod_spec)
    rolling = ld(4, ld(1, "RollingUpdate"), ld(2, int_or_string(1, 0), int_or_string(2, "50%")))
    spec = ld(
        2,
        vi(1, 3),
        ld(2, entry(1, "app", "shop")),
        template,
        rolling,
        vi(5, 0),
        vi(7, 0),
        vi(9, 600),
    )
    obj = decode(envelope("apps/v1", "Deployment", meta("shop") + spec + ld(3)))
    s = obj["spec"]
    assert s["replicas"] == 3 and s["progressDeadlineSeconds"] == 600
    assert "minReadySeconds" not in s and "paused" not in s
    assert s["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "50%"},
    }
    pod = s["template"]
    assert pod["metadata"] == {"labels": {"app": "shop"}}
    assert pod["spec"]["terminationGracePeriodSeconds"] == 0
    assert pod["spec"]["volumes"] == [
        {"name": "conf", "configMap": {"name": "settings", "defaultMode": 420}},
        {"name": "cache", "emptyDir": {"sizeLimit": "1Gi"}},
    ]
    [c] = pod["spec"]["containers"]
    assert c == {
        "name": "app",
        "image": "shop:2",
        "command": ["serve"],
        "args": ["--port", "8080"],
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [
            {
                "name": "TOKEN",
                "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token", "optional": True}},
            }
        ],
        "envFrom": [{"configMapRef": {"name": "settings"}}],
        "resources": {"limits": {"memory": "128Mi"}, "requests": {"cpu": "250m"}},
        "volumeMounts": [{"name": "conf", "readOnly": True, "mountPath": "/etc/shop"}],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 2},
        "imagePullPolicy": "IfNotPresent",
    }


def test_decoder_negative_varints_packed_lists_and_time() -> None:
    options = decode(envelope("v1", "DeleteOptions", vi(1, -1) + ld(5, "All")))
    assert options["gracePeriodSeconds"] == -1
    assert options["dryRun"] == ["All"]
    security = ld(14, ld(4, varint(1000) + varint(2000)), vi(2, 1001))
    pod = decode(
        envelope("v1", "Pod", meta("p", ld(9, vi(1, 1_767_225_600), vi(2, 5))) + ld(2, security))
    )
    assert pod["spec"]["securityContext"] == {"supplementalGroups": [1000, 2000], "runAsUser": 1001}
    assert pod["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty data"),
        (envelope("v1", "ConfigMap", ld(1, ld(8, vi(1, 10**15)))), "out of range"),
        (b"k9s\x00", "expected prefix [107 56 115 0]"),
        (envelope("v1", "ConfigMap", ld(1, ld(1, "x"))[:-1]), "unexpected end of data"),
        (envelope("v1", "ConfigMap", vi(1, 3)), "wrong wire type"),
        (envelope("v1", "ConfigMap", tag(5, 7)), "illegal wire type"),
        (envelope("v1", "ConfigMap", tag(5, 3) + vi(1, 1)), "unterminated group"),
        (b"k8s\x00" + ld(1, ld(1, "v1"), ld(2, "ConfigMap")) + ld(3, "gzip"), "gzip"),
    ],
)
def test_decoder_rejects_malformed_bodies_with_400(body: bytes, words: str) -> None:
    with pytest.raises(ApiError) as err:
        decode(body)
    assert err.value.code == 400
    assert words in err.value.message


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["Deployment", "Pod", "Unknown"]))
def test_decoder_answers_any_bytes_with_an_object_or_a_status(tail: bytes, kind: str) -> None:
    api_version = "apps/v1" if kind == "Deployment" else "v1"
    for body in (envelope(api_version, kind, tail), b"k8s\x00" + tail):
        try:
            obj = decode(body)
        except ApiError as err:
            assert err.code in (400, 415)
        else:
            assert isinstance(obj, dict)
