"""CronJobs: served, printed and validated as by kube-apiserver, and run on the virtual clock
by the CronJob controller; through real kubectl and the official Python client, on the
``batch`` scenario whose task images finish."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client, config

from kubectl_stack_sim.runner import RunningSim

from .helpers import header, ok, table


def _jobs(kctl: Any) -> list[dict[str, Any]]:
    return json.loads(ok(kctl("get", "jobs", "-o", "json")))["items"]


def test_a_cronjob_creates_a_job_at_each_scheduled_time_and_keeps_its_history(
    batch: RunningSim, kctl: Any
) -> None:
    ok(kctl("create", "cronjob", "tick", "--image=busybox", "--schedule=*/2 * * * *", "--", "date"))
    out = ok(kctl("get", "cronjob", "tick", "-o", "wide"))
    assert header(out) == [
        "NAME",
        "SCHEDULE",
        "TIMEZONE",
        "SUSPEND",
        "ACTIVE",
        "LAST SCHEDULE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    (row,) = table(out)
    assert (row["SCHEDULE"], row["TIMEZONE"], row["SUSPEND"], row["LAST SCHEDULE"]) == (
        "*/2 * * * *",
        "<none>",
        "False",
        "<none>",
    )
    batch.advance(130)
    cronjob = json.loads(ok(kctl("get", "cj", "tick", "-o", "json")))
    scheduled = cronjob["status"]["lastScheduleTime"]
    jobs = _jobs(kctl)
    assert jobs, "a Job at the first scheduled time"
    newest = max(jobs, key=lambda j: j["metadata"]["name"])
    minutes = int(newest["metadata"]["name"].rsplit("-", 1)[1])
    assert newest["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == (
        scheduled
    )
    assert minutes * 60 % 120 == 0
    assert newest["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    batch.advance(600)
    # A Job scheduled in the last seconds may still run (it is not in the successful
    # history yet): let it finish, well before the next schedule two minutes on.
    for _ in range(12):
        if not any(j["status"].get("active") for j in _jobs(kctl)):
            break
        batch.advance(5)
    names = [j["metadata"]["name"] for j in _jobs(kctl)]
    assert len(names) == 3, "successfulJobsHistoryLimit keeps the newest three"
    assert "SuccessfulDelete" in ok(kctl("events", "--for", "cronjob/tick"))
    ok(kctl("patch", "cj", "tick", "-p", '{"spec":{"suspend":true}}'))
    batch.advance(300)
    assert [j["metadata"]["name"] for j in _jobs(kctl)] == names
    (row,) = table(ok(kctl("get", "cj", "tick")))
    assert row["SUSPEND"] == "True"
    ok(kctl("create", "job", "by-hand", "--from=cronjob/tick"))
    ok(kctl("delete", "cronjob", "tick"))
    batch.advance(10)
    assert ok(kctl("get", "jobs", "-o", "name")) == "", "its Jobs go with it"


def test_forbid_skips_while_a_job_still_runs(batch: RunningSim, kctl: Any) -> None:
    manifest = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "slow"},
        "spec": {
            "schedule": "* * * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [{"name": "c", "image": "never-ends:1"}],
                        }
                    }
                }
            },
        },
    }
    ok(kctl("apply", "-f", "-", input=json.dumps(manifest)))
    batch.advance(200)
    assert len(_jobs(kctl)) == 1
    (row,) = table(ok(kctl("get", "cj", "slow")))
    assert row["ACTIVE"] == "1"
    assert "JobAlreadyActive" in ok(kctl("events", "--for", "cronjob/slow"))


def test_an_unparseable_schedule_is_refused(kctl: Any) -> None:
    done = kctl("create", "cronjob", "bad", "--image=busybox", "--schedule=61 * * * *")
    assert done.returncode == 1
    assert 'CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "61 * * * *": ' in (
        done.stderr
    )


def test_official_client_creates_reads_patches_and_deletes(batch: RunningSim) -> None:
    api_client = config.new_client_from_config(config_file=str(batch.kubeconfig))
    try:
        api = client.BatchV1Api(api_client)
        template = {
            "spec": {
                "restartPolicy": "OnFailure",
                "containers": [{"name": "c", "image": "task:ok"}],
            }
        }
        body = {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "typed"},
            "spec": {"schedule": "@hourly", "jobTemplate": {"spec": {"template": template}}},
        }
        created = api.create_namespaced_cron_job("default", body)
        assert created.spec.concurrency_policy == "Allow"
        assert created.spec.successful_jobs_history_limit == 3
        patched = api.patch_namespaced_cron_job("typed", "default", {"spec": {"suspend": True}})
        assert patched.spec.suspend is True
        listed = api.list_namespaced_cron_job("default")
        assert [c.metadata.name for c in listed.items] == ["typed"]
        assert api.delete_namespaced_cron_job("typed", "default")["status"] == "Success"
    finally:
        api_client.close()
