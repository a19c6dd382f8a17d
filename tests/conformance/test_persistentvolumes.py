"""PersistentVolumes: served, printed and validated as by kube-apiserver, bound to claims,
released and reclaimed by the PV controller, guarded by pv-protection; through real kubectl
and the official Python client."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client

from kubectl_stack_sim.runner import RunningSim

from .helpers import AGE, header, ok, table


def _volume(name: str, size: str, modes: list[str], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": modes,
            "storageClassName": "manual",
            "hostPath": {"path": f"/data/{name}"},
            **spec,
        },
    }


def _claim(name: str, size: str, **spec: Any) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name},
            "spec": {
                "storageClassName": "manual",
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
                **spec,
            },
        }
    )


VOLUMES = {
    "apiVersion": "v1",
    "kind": "List",
    "items": [
        _volume("small", "1Gi", ["ReadWriteOnce"]),
        _volume(
            "big", "10Gi", ["ReadWriteOnce", "ReadOnlyMany"], persistentVolumeReclaimPolicy="Delete"
        ),
        _volume("tiny", "100Mi", ["ReadWriteOnce"]),
    ],
}


def _rows(kubectl: Any, *args: str) -> dict[str, dict[str, str]]:
    return {r["NAME"]: r for r in table(ok(kubectl("get", "pv", *args)))}


def test_claims_bind_the_smallest_fitting_volume_and_release_it(
    sim: RunningSim, kubectl: Any
) -> None:
    ok(kubectl("apply", "-f", "-", input=json.dumps(VOLUMES)))
    sim.advance(1)
    out = ok(kubectl("get", "pv"))
    assert header(out) == [
        "NAME",
        "CAPACITY",
        "ACCESS MODES",
        "RECLAIM POLICY",
        "STATUS",
        "CLAIM",
        "STORAGECLASS",
        "VOLUMEATTRIBUTESCLASS",
        "REASON",
        "AGE",
    ]
    rows = _rows(kubectl)
    big = rows["big"]
    assert (big["CAPACITY"], big["ACCESS MODES"], big["RECLAIM POLICY"]) == (
        "10Gi",
        "RWO,ROX",
        "Delete",
    )
    assert (big["STATUS"], big["CLAIM"], big["STORAGECLASS"]) == ("Available", "", "manual")
    assert (big["VOLUMEATTRIBUTESCLASS"], big["REASON"]) == ("<unset>", "")
    assert rows["small"]["RECLAIM POLICY"] == "Retain" and AGE.match(big["AGE"])

    ok(kubectl("apply", "-f", "-", input=_claim("data", "500Mi")))
    ok(kubectl("apply", "-f", "-", input=_claim("huge", "5Gi")))
    sim.advance(1)
    out = ok(kubectl("get", "pv", "-o", "wide"))
    assert header(out)[-1] == "VOLUMEMODE"
    rows = {r["NAME"]: r for r in table(out)}
    assert (rows["small"]["STATUS"], rows["small"]["CLAIM"]) == ("Bound", "default/data")
    assert (rows["big"]["STATUS"], rows["big"]["CLAIM"]) == ("Bound", "default/huge")
    assert (rows["tiny"]["STATUS"], rows["tiny"]["VOLUMEMODE"]) == ("Available", "Filesystem")
    claims = {r["NAME"]: r for r in table(ok(kubectl("get", "pvc")))}
    assert (claims["data"]["STATUS"], claims["data"]["VOLUME"]) == ("Bound", "small")
    # The claim's capacity and modes are the volume's.
    assert (claims["huge"]["CAPACITY"], claims["huge"]["ACCESS MODES"]) == ("10Gi", "RWO,ROX")
    pv = json.loads(ok(kubectl("get", "pv", "small", "-o", "json")))
    assert pv["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"
    claim = json.loads(ok(kubectl("get", "pvc", "data", "-o", "json")))
    assert pv["spec"]["claimRef"]["uid"] == claim["metadata"]["uid"]
    assert claim["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] == "yes"
    described = ok(kubectl("describe", "pv", "small"))
    for line in (
        "Status:          Bound",
        "Claim:           default/data",
        "Path:          /data/small",
    ):
        assert line in described

    # A bound volume being deleted waits for its claim (pv-protection).
    ok(kubectl("delete", "pv", "small", "--wait=false"))
    sim.advance(1)
    assert _rows(kubectl)["small"]["STATUS"] == "Terminating"
    ok(kubectl("delete", "pvc", "data", "huge", "--wait=false"))
    sim.advance(1)
    rows = _rows(kubectl)
    assert "small" not in rows  # released, so pv-protection let it go
    # Delete on a volume no provisioner made: the controller has no deleter for it.
    assert (rows["big"]["STATUS"], rows["big"]["CLAIM"]) == ("Failed", "default/huge")
    assert (
        'Message:         error getting deleter volume plugin for volume "big": '
        "no deletable volume plugin matched"
    ) in ok(kubectl("describe", "pv", "big"))


def test_a_claim_named_volume_and_a_retained_release(sim: RunningSim, kubectl: Any) -> None:
    ok(kubectl("apply", "-f", "-", input=json.dumps(VOLUMES)))
    sim.advance(1)
    ok(kubectl("apply", "-f", "-", input=_claim("pinned", "1Mi", volumeName="small")))
    sim.advance(1)
    assert _rows(kubectl)["small"]["CLAIM"] == "default/pinned"
    ok(kubectl("delete", "pvc", "pinned", "--wait=false"))
    sim.advance(1)
    small = _rows(kubectl)["small"]
    assert (small["STATUS"], small["CLAIM"]) == ("Released", "default/pinned")
    # A Released volume is not bound again.
    ok(kubectl("apply", "-f", "-", input=_claim("again", "1Gi", volumeName="small")))
    sim.advance(5)
    (claim,) = table(ok(kubectl("get", "pvc", "again")))
    assert claim["STATUS"] == "Pending"


def test_dynamic_provisioning_makes_a_volume_deleted_with_its_claim(
    sim: RunningSim, kubectl: Any
) -> None:
    sc = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "fast"},
        "provisioner": "ebs.csi.aws.com",
    }
    ok(kubectl("apply", "-f", "-", input=json.dumps(sc)))
    ok(kubectl("apply", "-f", "-", input=_claim("dyn", "3Gi", storageClassName="fast")))
    sim.advance(5)
    claim = json.loads(ok(kubectl("get", "pvc", "dyn", "-o", "json")))
    volume = claim["spec"]["volumeName"]
    assert volume == f"pvc-{claim['metadata']['uid']}"
    row = _rows(kubectl)[volume]
    assert (row["CAPACITY"], row["RECLAIM POLICY"], row["STATUS"]) == ("3Gi", "Delete", "Bound")
    assert (row["CLAIM"], row["STORAGECLASS"]) == ("default/dyn", "fast")
    pv = json.loads(ok(kubectl("get", "pv", volume, "-o", "json")))
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == "ebs.csi.aws.com"
    assert pv["spec"]["csi"]["driver"] == "ebs.csi.aws.com"
    ok(kubectl("delete", "pvc", "dyn", "--wait=false"))
    sim.advance(1)
    assert ok(kubectl("get", "pv", "-o", "name")) == ""


def test_invalid_volumes_are_refused(kubectl: Any) -> None:
    bad = _volume("bad", "1Gi", ["ReadWriteOnce"], persistentVolumeReclaimPolicy="Keep")
    done = kubectl("apply", "-f", "-", input=json.dumps(bad))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'The PersistentVolume "bad" is invalid: spec.persistentVolumeReclaimPolicy: '
        'Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"'
    )
    sourceless = _volume("bad", "1Gi", ["ReadWriteOnce"])
    del sourceless["spec"]["hostPath"]
    done = kubectl("apply", "-f", "-", input=json.dumps(sourceless))
    assert done.stderr.strip() == (
        'The PersistentVolume "bad" is invalid: spec: Required value: must specify a volume type'
    )


def test_official_client_creates_reads_patches_and_deletes(
    sim: RunningSim, official: client.ApiClient
) -> None:
    api = client.CoreV1Api(official)
    created = api.create_persistent_volume(_volume("typed", "2Gi", ["ReadWriteMany"]))
    assert created.spec.persistent_volume_reclaim_policy == "Retain"
    assert created.status.phase == "Pending"
    sim.advance(1)
    assert api.read_persistent_volume("typed").status.phase == "Available"
    patched = api.patch_persistent_volume("typed", {"metadata": {"labels": {"tier": "gold"}}})
    assert patched.metadata.labels == {"tier": "gold"}
    deleted = api.delete_persistent_volume("typed")
    assert deleted.metadata.deletion_timestamp is not None  # held by pv-protection until synced
    sim.advance(1)
    assert api.list_persistent_volume().items == []
