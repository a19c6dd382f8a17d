"""Jobs: served, printed and validated as by kube-apiserver, run to completion or failure by
the Job controller; through real kubectl and the official Python client, on the ``batch``
scenario whose task images finish."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client, config

from kubectl_stack_sim.runner import RunningSim

from .helpers import AGE, header, ok, table


def _job(name: str, image: str, **spec: Any) -> str:
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": image}]}}
    return json.dumps(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": name},
            "spec": {"template": template, **spec},
        }
    )


def test_kubectl_create_job_runs_to_complete(batch: RunningSim, kctl: Any) -> None:
    assert ok(kctl("create", "job", "hello", "--image=busybox", "--", "echo", "hi")).strip() == (
        "job.batch/hello created"
    )
    batch.advance(0)
    (row,) = table(ok(kctl("get", "jobs")))
    assert (row["STATUS"], row["COMPLETIONS"]) == ("Running", "0/1")
    batch.advance(10)
    out = ok(kctl("get", "job", "hello", "-o", "wide"))
    assert header(out) == [
        "NAME",
        "STATUS",
        "COMPLETIONS",
        "DURATION",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    (row,) = table(out)
    job = json.loads(ok(kctl("get", "job", "hello", "-o", "json")))
    uid = job["metadata"]["uid"]
    assert (row["STATUS"], row["COMPLETIONS"], row["IMAGES"]) == ("Complete", "1/1", "busybox")
    assert row["SELECTOR"] == f"batch.kubernetes.io/controller-uid={uid}"
    assert AGE.match(row["DURATION"]) and AGE.match(row["AGE"])
    assert ok(kctl("wait", "--for=condition=complete", "job/hello", "--timeout=5s")).strip() == (
        "job.batch/hello condition met"
    )
    (pod,) = json.loads(ok(kctl("get", "pods", "-l", "job-name=hello", "-o", "json")))["items"]
    assert pod["status"]["phase"] == "Succeeded" and not pod["metadata"].get("finalizers")
    assert "Job completed" in ok(kctl("describe", "job", "hello"))
    ok(kctl("delete", "job", "hello"))
    batch.advance(5)
    assert ok(kctl("get", "pods", "-l", "job-name=hello", "-o", "name")) == ""


def test_parallel_completions_and_a_failing_job(batch: RunningSim, kctl: Any) -> None:
    ok(kctl("apply", "-f", "-", input=_job("many", "task:ok", completions=4, parallelism=2)))
    ok(kctl("apply", "-f", "-", input=_job("doomed", "task:fail", backoffLimit=1)))
    batch.advance(5)
    rows = {r["NAME"]: r for r in table(ok(kctl("get", "jobs")))}
    assert rows["many"]["COMPLETIONS"] in ("0/4", "2/4")
    batch.advance(60)
    rows = {r["NAME"]: r for r in table(ok(kctl("get", "jobs")))}
    assert (rows["many"]["STATUS"], rows["many"]["COMPLETIONS"]) == ("Complete", "4/4")
    assert (rows["doomed"]["STATUS"], rows["doomed"]["COMPLETIONS"]) == ("Failed", "0/1")
    doomed = json.loads(ok(kctl("get", "job", "doomed", "-o", "json")))
    failed = {c["type"]: c for c in doomed["status"]["conditions"]}
    assert failed["Failed"]["reason"] == "BackoffLimitExceeded"
    assert doomed["status"]["failed"] == 2
    events = ok(kctl("events", "--for", "job/doomed"))
    assert (
        "BackoffLimitExceeded" in events and "Job has reached the specified backoff limit" in events
    )


def test_a_job_with_an_always_template_is_refused(kctl: Any) -> None:
    manifest = json.loads(_job("x", "busybox"))
    manifest["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    done = kctl("apply", "-f", "-", input=json.dumps(manifest))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'The Job "x" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": '
        'supported values: "OnFailure", "Never"'
    )


def test_official_client_creates_reads_patches_and_deletes(batch: RunningSim) -> None:
    api_client = config.new_client_from_config(config_file=str(batch.kubeconfig))
    try:
        api = client.BatchV1Api(api_client)
        body = json.loads(_job("typed", "task:ok"))
        created = api.create_namespaced_job("default", body)
        assert created.spec.backoff_limit == 6 and created.spec.completions == 1
        batch.advance(15)
        job = api.read_namespaced_job("typed", "default")
        assert job.status.succeeded == 1 and job.status.completion_time is not None
        patched = api.patch_namespaced_job("typed", "default", {"metadata": {"labels": {"a": "b"}}})
        assert patched.metadata.labels == {"a": "b"}
        status = api.delete_namespaced_job("typed", "default", propagation_policy="Background")
        assert status["status"] == "Success"
    finally:
        api_client.close()
