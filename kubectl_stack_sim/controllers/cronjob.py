"""The CronJob controller (pkg/controller/cronjob, v2), in behaviour, on the virtual clock.

At each scheduled time (the schedule read in the CronJob's time zone) it creates the Job
``<cronjob>-<scheduled time in minutes since the epoch>`` from the job template, annotated with
``batch.kubernetes.io/cronjob-scheduled-timestamp``, unless the CronJob is suspended, the time
is older than ``startingDeadlineSeconds``, or ``concurrencyPolicy: Forbid`` finds a Job still
running (``Replace`` deletes the running ones first). Missed times run once, at the latest.
Status keeps the running Jobs (``active``), ``lastScheduleTime`` and ``lastSuccessfulTime``;
finished Jobs beyond ``successfulJobsHistoryLimit`` / ``failedJobsHistoryLimit`` are deleted,
oldest first, with their pods."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from .. import admission, cron, deletion
from ..clock import TimerHandle
from ..objects import owner_reference
from ..store import AlreadyExists, Event, NotFound, Obj, clone
from ..timefmt import parse_timestamp
from .base import Key, WorkQueue, status_of

if TYPE_CHECKING:
    from . import Context

GR = "cronjobs.batch"
JOBS = "jobs.batch"
SCHEDULED = "batch.kubernetes.io/cronjob-scheduled-timestamp"
_COMPONENT = "cronjob-controller"


def _finished(job: Obj) -> str | None:
    for cond in status_of(job).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return str(cond["type"])
    return None


def job_name(cronjob: str, scheduled: float) -> str:
    """nameForScheduledTime: the scheduled time in minutes since the epoch."""
    return f"{cronjob}-{int(scheduled) // 60}"


class CronJobController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.queue = WorkQueue(ctx.cluster, self.sync)
        self._timers: dict[Key, TimerHandle] = {}

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener(GR, self._on_cronjob)
        store.add_listener(JOBS, self._on_job)
        for cj in store.iter(GR):
            self.queue.add((cj["metadata"].get("namespace", ""), cj["metadata"]["name"]))

    def _on_cronjob(self, event: Event) -> None:
        key = (event.obj["metadata"].get("namespace", ""), event.obj["metadata"]["name"])
        if event.type == "DELETED":
            timer = self._timers.pop(key, None)
            if timer is not None:
                timer.cancel()
            return
        self.queue.add(key)

    def _on_job(self, event: Event) -> None:
        for ref in event.obj["metadata"].get("ownerReferences") or []:
            if ref.get("kind") == "CronJob" and ref.get("controller"):
                self.queue.add((event.obj["metadata"].get("namespace", ""), str(ref.get("name"))))

    def _jobs(self, cj: Obj) -> list[Obj]:
        uid = cj["metadata"]["uid"]
        return [
            j
            for j in self.cluster.store.list(JOBS, cj["metadata"].get("namespace", ""))
            if any(r.get("uid") == uid for r in j["metadata"].get("ownerReferences") or [])
        ]

    def sync(self, key: Key) -> None:
        store = self.cluster.store
        cj = store.get(GR, *key)
        if cj is None or cj["metadata"].get("deletionTimestamp"):
            return
        spec = cj.get("spec") or {}
        status = clone(status_of(cj))
        now = self.cluster.clock.now()
        jobs = self._jobs(cj)
        running = [
            j for j in jobs if _finished(j) is None and not j["metadata"].get("deletionTimestamp")
        ]
        for job in jobs:
            outcome = _finished(job)
            if outcome == "Complete":
                done = parse_timestamp(status_of(job).get("completionTime")) or now
                last = parse_timestamp(status.get("lastSuccessfulTime"))
                if last is None or done > last:
                    status["lastSuccessfulTime"] = self.cluster.clock.timestamp(done)
        try:
            schedule = cron.parse(str(spec.get("schedule", "")), spec.get("timeZone"))
        except cron.CronError as exc:
            self.ctx.recorder.record(cj, "Warning", "UnparseableSchedule", str(exc), _COMPONENT)
            return
        since = (
            parse_timestamp(status.get("lastScheduleTime"))
            or parse_timestamp(cj["metadata"].get("creationTimestamp"))
            or now
        )
        due = schedule.last_between(since, now)
        deadline = spec.get("startingDeadlineSeconds")
        if due is not None and not spec.get("suspend"):
            too_late = deadline is not None and now - due > int(deadline)
            policy = spec.get("concurrencyPolicy") or "Allow"
            if too_late:
                pass
            elif policy == "Forbid" and running:
                self.ctx.recorder.record(
                    cj,
                    "Normal",
                    "JobAlreadyActive",
                    "Not starting job because prior execution is running and concurrency "
                    "policy is Forbid",
                    _COMPONENT,
                )
            else:
                if policy == "Replace":
                    for job in running:
                        self._delete_job(cj, job)
                    running = []
                created = self._create_job(cj, due)
                if created is not None:
                    running.append(created)
                    status["lastScheduleTime"] = self.cluster.clock.timestamp(due)
        status["active"] = [
            {
                "kind": "Job",
                "namespace": j["metadata"].get("namespace", ""),
                "name": j["metadata"]["name"],
                "uid": j["metadata"]["uid"],
                "apiVersion": "batch/v1",
                "resourceVersion": j["metadata"].get("resourceVersion", ""),
            }
            for j in sorted(running, key=lambda j: j["metadata"]["name"])
        ]
        if not status["active"]:
            del status["active"]
        self._clean_history(cj, jobs)
        if status != status_of(cj):

            def write(obj: Obj) -> None:
                obj["status"] = status

            with contextlib.suppress(NotFound):
                store.mutate(GR, *key, write)
        self._arm(key, schedule.next_after(now))

    def _arm(self, key: Key, when: float | None) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        if when is not None:
            self._timers[key] = self.cluster.clock.call_at(when, lambda: self.queue.add(key))

    def _create_job(self, cj: Obj, scheduled: float) -> Obj | None:
        template = clone((cj.get("spec") or {}).get("jobTemplate") or {})
        meta = template.get("metadata") or {}
        annotations = dict(meta.get("annotations") or {})
        annotations[SCHEDULED] = self.cluster.clock.timestamp(scheduled)
        name = job_name(cj["metadata"]["name"], scheduled)
        job: Obj = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": name,
                "namespace": cj["metadata"].get("namespace", ""),
                "labels": dict(meta.get("labels") or {}),
                "annotations": annotations,
                "ownerReferences": [owner_reference(cj)],
            },
            "spec": template.get("spec") or {},
        }
        if not job["metadata"]["labels"]:
            del job["metadata"]["labels"]
        try:
            created = self.cluster.store.create(
                JOBS, admission.admit(self.cluster, JOBS, job, None)
            )
        except AlreadyExists:
            return None
        except admission.Invalid as exc:
            self.ctx.recorder.record(
                cj, "Warning", "FailedCreate", f"Error creating job: {exc}", _COMPONENT
            )
            return None
        self.ctx.recorder.record(
            cj, "Normal", "SuccessfulCreate", f"Created job {name}", _COMPONENT
        )
        return created

    def _delete_job(self, cj: Obj, job: Obj) -> None:
        with contextlib.suppress(NotFound):
            deletion.delete(
                self.cluster,
                JOBS,
                job["metadata"].get("namespace", ""),
                job["metadata"]["name"],
                {"propagationPolicy": "Background"},
            )
        self.ctx.recorder.record(
            cj, "Normal", "SuccessfulDelete", f"Deleted job {job['metadata']['name']}", _COMPONENT
        )

    def _clean_history(self, cj: Obj, jobs: list[Obj]) -> None:
        spec = cj.get("spec") or {}
        for outcome, limit_key, default in (
            ("Complete", "successfulJobsHistoryLimit", 3),
            ("Failed", "failedJobsHistoryLimit", 1),
        ):
            limit = spec.get(limit_key)
            limit = default if limit is None else int(limit)
            done = [
                j
                for j in jobs
                if _finished(j) == outcome and not j["metadata"].get("deletionTimestamp")
            ]
            done.sort(
                key=lambda j: (
                    parse_timestamp(status_of(j).get("startTime")) or 0.0,
                    j["metadata"]["name"],
                )
            )
            for job in done[: max(0, len(done) - limit)]:
                self._delete_job(cj, job)
