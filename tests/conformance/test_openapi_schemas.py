"""Everything the embedded cluster serves validates strictly against Kubernetes 1.37's published
schemas (see :mod:`.published_schemas`): no field the schema does not have, each value of the
schema's type and format (integers, int-or-string, quantities, RFC 3339 times), required
fields present.

For every scenario, every kind discovery lists is read the ways clients read it: the list,
each object, the Table with the full objects and with their metadata, the metadata-only list,
the WatchList's initial events (as JSON and as the Tables kubectl get --watch reads) and, after
the clock moved, the change events of a plain watch;
plus the scale subresource, discovery, /version and an error Status. Kinds discovery adds later
are checked without changing this file. Custom resources and metrics.k8s.io are not in the
published document; the test says so by name rather than skipping anything unknown.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from kubectl_stack_sim.api.fields import LIST_MAP_KEYS
from kubectl_stack_sim.runner import RunningSim, start_sim
from kubectl_stack_sim.scenario import available, create_object

from .published_schemas import definition_of, definitions, errors

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
PARTIAL = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
# Served kinds that Kubernetes' own document does not describe.
UNPUBLISHED_GROUPS = {"metrics.k8s.io"}


def _get(sim: RunningSim, path: str, accept: str = "application/json") -> Any:
    request = urllib.request.Request(sim.url + path, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.load(resp)


def _events(
    sim: RunningSim, path: str, accept: str = "application/json"
) -> Iterator[dict[str, Any]]:
    request = urllib.request.Request(sim.url + path, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as resp:
        for line in resp:
            if line.strip():
                yield json.loads(line)


def _initial_events_end(event: dict[str, Any]) -> bool:
    annotations = event["object"].get("metadata", {}).get("annotations") or {}
    return event["type"] == "BOOKMARK" and "k8s.io/initial-events-end" in annotations


def served_resources(sim: RunningSim) -> list[tuple[str, dict[str, Any]]]:
    """(group/version, APIResource) of every resource discovery lists, subresources aside."""
    gvs = [f"/api/{v}" for v in _get(sim, "/api")["versions"]]
    for group in _get(sim, "/apis")["groups"]:
        gvs += [f"/apis/{gv['groupVersion']}" for gv in group["versions"]]
    out = []
    for path in gvs:
        doc = _get(sim, path)
        out += [(doc["groupVersion"], r) for r in doc["resources"] if "/" not in r["name"]]
    return out


def _custom_groups(sim: RunningSim) -> set[str]:
    crds = _get(sim, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")["items"]
    return {crd["spec"]["group"] for crd in crds}


class Checker:
    def __init__(self, sim: RunningSim, subresources: dict[tuple[str, str], set[str]]) -> None:
        self.sim = sim
        self.subresources = subresources
        self.problems: list[str] = []
        self.checked = 0

    def check(self, value: Any, name: str, label: str) -> None:
        self.checked += 1
        self.problems += errors(value, name, label)

    def resource(self, gv: str, resource: dict[str, Any]) -> None:
        kind, plural = resource["kind"], resource["name"]
        name = definition_of(gv, kind)
        base = f"/api/{gv}" if "/" not in gv else f"/apis/{gv}"
        listed = _get(self.sim, f"{base}/{plural}")
        self.check(listed, definition_of(gv, kind + "List"), f"{plural} {gv} list")
        for obj in listed["items"][:5]:
            meta = obj["metadata"]
            scope = f"/namespaces/{meta['namespace']}" if resource["namespaced"] else ""
            path = f"{base}{scope}/{plural}/{meta['name']}"
            self.check(_get(self.sim, path), name, f"GET {path}")
            if "scale" in self.subresources.get((gv, plural), ()):
                self.check(
                    _get(self.sim, path + "/scale"),
                    definition_of("autoscaling/v1", "Scale"),
                    f"GET {path}/scale",
                )
        for include in ("Object", "Metadata"):
            table = _get(self.sim, f"{base}/{plural}?includeObject={include}", TABLE)
            self.check(table, META + "Table", f"{plural} {gv} Table")
            row_schema = name if include == "Object" else META + "PartialObjectMetadata"
            for i, row in enumerate(table["rows"][:5]):
                self.check(row["object"], row_schema, f"{plural} {gv} Table row {i} ({include})")
        partial = _get(self.sim, f"{base}/{plural}", PARTIAL)
        self.check(partial, META + "PartialObjectMetadataList", f"{plural} {gv} metadata list")
        query = (
            "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
            "&allowWatchBookmarks=true&timeoutSeconds=10"
        )
        for event in _events(self.sim, f"{base}/{plural}?{query}"):
            self.watch_event(event, name, f"{plural} {gv} watch")
            if _initial_events_end(event):
                break
        # The same as kubectl get --watch reads it: one Table per event, the object in its row.
        table_watch = f"{base}/{plural}?{query}&includeObject=Object"
        for event in _events(self.sim, table_watch, TABLE):
            if _initial_events_end(event):
                break
            label = f"{plural} {gv} Table watch"
            self.check(event, META + "WatchEvent", label)
            self.check(event["object"], META + "Table", label)
            for row in event["object"]["rows"]:
                self.check(row["object"], name, f"{label} row")

    def watch_event(self, event: dict[str, Any], name: str, label: str) -> None:
        self.check(event, META + "WatchEvent", label)
        kind = event["type"]
        if kind == "ERROR":
            self.check(event["object"], META + "Status", f"{label} {kind}")
        elif kind != "BOOKMARK":
            self.check(event["object"], name, f"{label} {kind}")


# Objects of the kinds no scenario starts with: a finished Job, a failed one, a CronJob, a
# NetworkPolicy, a PodDisruptionBudget, RBAC, a ReplicationController, a PersistentVolume, a
# ResourceQuota, a LimitRange.
EXTRA = [
    {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": image}]}
            },
        },
    }
    for name, image in (("done", "task:ok"), ("broken", "task:fail"))
] + [
    {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "tick", "namespace": "default"},
        "spec": {
            "schedule": "* * * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "c", "image": "task:ok"}],
                        }
                    }
                }
            },
        },
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "default"},
        "spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]},
    },
    {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "all", "namespace": "default"},
        "spec": {"maxUnavailable": "10%", "selector": {"matchLabels": {"app": "none"}}},
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "readers", "namespace": "default"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "ann"}, {"kind": "ServiceAccount", "name": "x"}],
    },
    {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "rc", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "template": {
                "metadata": {"labels": {"app": "rc"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
            },
        },
    },
    {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "static"},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/data"},
        },
    },
    {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "counts", "namespace": "default"},
        "spec": {"hard": {"pods": "10", "requests.memory": "1Gi", "count/jobs.batch": "5"}},
    },
    {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "defaults", "namespace": "default"},
        "spec": {"limits": [{"type": "Container", "max": {"memory": "4Gi"}}]},
    },
]

SCENARIOS = [s for s in available() if s != "large"] + ["large"]
# The large scenario, scaled down: its generator and churn are what is checked.
SMALL = {"large": {"namespaces": 2, "deployments": 6, "pods": 30}}
WATCHED = ("pods", "deployments", "replicasets", "events")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_everything_served_fits_the_published_schema(scenario: str) -> None:
    sim = start_sim(scenario, **SMALL.get(scenario, {}))
    try:
        if scenario == "batch":
            for obj in EXTRA:
                sim.call(lambda o=obj: create_object(sim.cluster, o))
        sim.advance(30)
        check_everything(sim)
    finally:
        sim.stop()


def check_everything(sim: RunningSim) -> None:
    """Read everything ``sim`` serves (its clock moving 90 s meanwhile) and fail with every
    way it breaks the published schemas."""
    resources = served_resources(sim)
    subresources: dict[tuple[str, str], set[str]] = {}
    for parent, sub in _subresource_names(sim):
        subresources.setdefault(parent, set()).add(sub)
    checker = Checker(sim, subresources)
    unpublished = UNPUBLISHED_GROUPS | _custom_groups(sim)
    # Change events: plain watches from the current version while the clock moves.
    rv = _get(sim, "/api/v1/pods")["metadata"]["resourceVersion"]
    streams = [
        (gv, r, _open_watch(sim, gv, r["name"], rv))
        for gv, r in resources
        if r["name"] in WATCHED and "watch" in r["verbs"]
    ]
    sim.advance(90)
    for gv, r, resp in streams:
        with resp:
            for line in resp:
                if line.strip():
                    checker.watch_event(
                        json.loads(line), definition_of(gv, r["kind"]), f"{r['name']} changes"
                    )
    for gv, r in resources:
        group = gv.rpartition("/")[0]
        if group in unpublished:
            continue
        if "list" in r["verbs"]:
            checker.resource(gv, r)
        else:
            # Create-only reviews: published, never listed.
            definition_of(gv, r["kind"])
    _check_plain_documents(sim, checker)
    assert checker.checked > 50
    assert checker.problems == [], "\n".join(checker.problems)


# What people write with kubectl, each kind the way its generator or a manifest makes it.
WRITES = [
    ["create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=80"],
    ["expose", "deployment", "web", "--port=80", "--target-port=8080"],
    ["create", "service", "nodeport", "np", "--tcp=80:8080"],
    ["create", "service", "externalname", "ext", "--external-name=example.com"],
    ["create", "configmap", "cfg", "--from-literal=a=b"],
    ["create", "secret", "generic", "sec", "--from-literal=p=q"],
    [
        "create",
        "secret",
        "docker-registry",
        "reg",
        "--docker-server=r.example.com",
        "--docker-username=u",
        "--docker-password=p",
    ],
    ["create", "job", "once", "--image=busybox", "--", "echo", "hi"],
    ["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"],
    ["create", "ingress", "web", "--class=nginx", "--rule=example.com/=web:80"],
    ["create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=50%"],
    ["create", "role", "reader", "--verb=get,list", "--resource=pods"],
    ["create", "rolebinding", "reader", "--role=reader", "--user=ann"],
    ["create", "clusterrole", "lister", "--verb=list", "--resource=deployments.apps"],
    ["create", "clusterrolebinding", "lister", "--clusterrole=lister", "--group=devs"],
    ["create", "serviceaccount", "bot"],
    ["create", "namespace", "team"],
    ["autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu=80%"],
    ["scale", "deployment", "web", "--replicas=4"],
    ["set", "image", "deployment/web", "nginx=nginx:1.28"],
    [
        "set",
        "resources",
        "deployment/web",
        "--limits=cpu=500m,memory=256Mi",
        "--requests=cpu=0.1,memory=64M",
    ],
    ["rollout", "restart", "deployment/web"],
    ["rollout", "undo", "deployment/web"],
    ["run", "solo", "--image=nginx", "--port=80", "--env=A=1", "--labels=x=y"],
    ["label", "pod", "solo", "tier=front"],
    ["annotate", "deployment", "web", "note=hello"],
    ["apply", "-f", "-"],
]
MANIFESTS = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: postgres:16
          ports: [{containerPort: 5432, name: pg}]
          readinessProbe: {tcpSocket: {port: pg}, periodSeconds: 5}
          volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      tolerations: [{operator: Exists}]
      containers:
        - name: agent
          image: agent:1
          resources: {requests: {cpu: 50m, memory: 32Mi}}
"""


def test_what_kubectl_writes_is_served_as_the_schema_says(kubectl: Any, sim: RunningSim) -> None:
    for args in WRITES:
        result = kubectl(*args, input=MANIFESTS if args[-1] == "-" else None)
        assert result.returncode == 0, (args, result.stderr)
        sim.advance(5)  # the controllers act between two commands, as they would
    sim.advance(60)
    check_everything(sim)


def _subresource_names(sim: RunningSim) -> Iterator[tuple[tuple[str, str], str]]:
    for path in ["/api/v1"] + [
        f"/apis/{gv['groupVersion']}" for g in _get(sim, "/apis")["groups"] for gv in g["versions"]
    ]:
        doc = _get(sim, path)
        for r in doc["resources"]:
            parent, _, sub = r["name"].partition("/")
            if sub:
                yield (doc["groupVersion"], parent), sub


def _open_watch(sim: RunningSim, gv: str, plural: str, rv: str) -> Any:
    base = f"/api/{gv}" if "/" not in gv else f"/apis/{gv}"
    url = f"{sim.url}{base}/{plural}?watch=1&resourceVersion={rv}&timeoutSeconds=3"
    return urllib.request.urlopen(url, timeout=30)


def _check_plain_documents(sim: RunningSim, checker: Checker) -> None:
    checker.check(_get(sim, "/api"), META + "APIVersions", "/api")
    checker.check(_get(sim, "/apis"), META + "APIGroupList", "/apis")
    checker.check(_get(sim, "/api/v1"), META + "APIResourceList", "/api/v1")
    for group in _get(sim, "/apis")["groups"]:
        checker.check(_get(sim, f"/apis/{group['name']}"), META + "APIGroup", group["name"])
        for gv in group["versions"]:
            path = f"/apis/{gv['groupVersion']}"
            checker.check(_get(sim, path), META + "APIResourceList", path)
    checker.check(_get(sim, "/version"), "io.k8s.apimachinery.pkg.version.Info", "/version")
    with pytest.raises(urllib.error.HTTPError) as missing:
        _get(sim, "/api/v1/namespaces/default/pods/no-such-pod")
    checker.check(json.load(missing.value), META + "Status", "404 Status")


def test_the_validator_flags_unknown_fields_wrong_types_and_formats() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"a": 1}, "creationTimestamp": "yesterday"},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "ports": [{"containerPort": "80"}, {"containerPort": 2**40}],
                    "resources": {"limits": {"cpu": 0.5, "memory": "12 Mi"}},
                    "livenessProbe": {"httpGet": {"port": 3.5}},
                }
            ],
            "bogus": 1,
            "nodeName": None,
            "tolerations": [{"key": "a"}, {"key": "a"}],
        },
        "status": {"conditions": [{"type": "Ready", "status": "True"}] * 2},
    }
    assert errors(pod, definition_of("v1", "Pod"), "pod") == [
        "pod.metadata.creationTimestamp: 'yesterday' is not a 'date-time'",
        "pod.metadata.labels.a: 1 is not of type 'string'",
        "pod.spec: Additional properties are not allowed ('bogus' was unexpected)",
        "pod.spec.containers[0].livenessProbe.httpGet.port: 3.5 is not valid under any of the "
        "given schemas",
        "pod.spec.containers[0].ports[0].containerPort: '80' is not of type 'integer'",
        "pod.spec.containers[0].ports[1].containerPort: 1099511627776 is not a 'int32'",
        "pod.spec.containers[0].resources.limits.cpu: 0.5 is not of type 'string'",
        "pod.spec.containers[0].resources.limits.memory: '12 Mi' is not a 'quantity'",
        "pod.spec.nodeName: None is not of type 'string'",
        'pod.status.conditions: duplicate entries for key [type="Ready"]',
    ]


def test_the_sims_list_keys_are_the_published_ones() -> None:
    """Server-side apply's paths name list items by the keys the schemas publish."""
    published: dict[str, set[tuple[str, ...]]] = {}
    for schema in definitions().values():
        for prop in (schema.get("properties") or {}).values():
            if prop.get("x-kubernetes-list-type") == "map":
                item = prop["items"]["$ref"].rsplit(".", 2)
                published.setdefault(item[-2] + "." + item[-1], set()).add(
                    tuple(prop["x-kubernetes-list-map-keys"])
                )
    for model, keys in LIST_MAP_KEYS.items():
        named = re.fullmatch(r"(V\d\w*?)([A-Z]\w*)", model)
        assert named, model
        assert published[f"{named[1].lower()}.{named[2]}"] == {keys}, model
