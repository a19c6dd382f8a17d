"""The Job controller (pkg/controller/job), in behaviour: up to ``parallelism`` pods at a time
until ``completions`` of them succeed; a failed pod is replaced after the exponential back-off
(10 s doubling, at most 6 min) until more than ``backoffLimit`` have failed; then, or once
``activeDeadlineSeconds`` have passed, the Job fails and its running pods are deleted. A
suspended Job keeps no pod running. Pods carry the ``batch.kubernetes.io/job-tracking``
finalizer until the controller has counted them; a pod that disappears uncounted counts as
failed (as succeeded if it had succeeded). Conditions, events and status fields are the
controller's: FailureTarget then Failed (BackoffLimitExceeded / DeadlineExceeded),
SuccessCriteriaMet then Complete (CompletionsReached), Suspended (JobSuspended)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from .. import deletion
from ..names import random_suffix
from ..store import Event, NotFound, Obj, clone
from ..timefmt import parse_timestamp
from .base import Key, PodOwnerController, request_pod_deletion, status_of

if TYPE_CHECKING:
    from . import Context

GR = "jobs.batch"
TRACKING = "batch.kubernetes.io/job-tracking"
_TERMINAL = ("Succeeded", "Failed")
_BACKOFF_BASE = 10.0
_BACKOFF_MAX = 360.0


def _condition_true(job: Obj, ctype: str) -> bool:
    return any(
        c.get("type") == ctype and c.get("status") == "True"
        for c in status_of(job).get("conditions") or []
    )


def _finished(job: Obj) -> bool:
    return _condition_true(job, "Complete") or _condition_true(job, "Failed")


class JobController(PodOwnerController):
    gr = GR
    kind = "Job"
    component = "job-controller"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        # Pods that went away before being counted, and each Job's last failure time.
        self._uncounted: dict[str, dict[str, int]] = {}
        self._last_failure: dict[str, float] = {}

    def _on_pod(self, event: Event) -> None:
        if event.type == "DELETED" and TRACKING in (event.obj["metadata"].get("finalizers") or []):
            for ref in event.obj["metadata"].get("ownerReferences") or []:
                if ref.get("kind") == self.kind and ref.get("controller"):
                    phase = status_of(event.obj).get("phase")
                    outcome = "succeeded" if phase == "Succeeded" else "failed"
                    counts = self._uncounted.setdefault(str(ref.get("uid")), {})
                    counts[outcome] = counts.get(outcome, 0) + 1
        super()._on_pod(event)

    def _pods(self, job: Obj) -> list[Obj]:
        store = self.cluster.store
        pods = (
            store.get("pods", *k) for k in self.ctx.pods_by_owner.dependents(job["metadata"]["uid"])
        )
        return [p for p in pods if p is not None]

    def sync(self, key: Key) -> None:
        store = self.cluster.store
        job = store.get(GR, *key)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return
        uid = job["metadata"]["uid"]
        now = self.cluster.clock.now()
        spec = job.get("spec") or {}
        status = clone(status_of(job))
        for outcome, n in self._uncounted.pop(uid, {}).items():
            status[outcome] = int(status.get(outcome) or 0) + n
            if outcome == "failed":
                self._last_failure[uid] = now
        pods = self._pods(job)
        for pod in pods:
            phase = status_of(pod).get("phase")
            if phase in _TERMINAL and TRACKING in (pod["metadata"].get("finalizers") or []):
                outcome = "succeeded" if phase == "Succeeded" else "failed"
                status[outcome] = int(status.get(outcome) or 0) + 1
                if outcome == "failed":
                    self._last_failure[uid] = now
                deletion.remove_finalizer(self.cluster, "pods", *key_of_pod(pod), TRACKING)
        active = [
            p
            for p in pods
            if status_of(p).get("phase") not in _TERMINAL
            and not p["metadata"].get("deletionTimestamp")
        ]
        succeeded, failed = int(status.get("succeeded") or 0), int(status.get("failed") or 0)
        completions = spec.get("completions")
        parallelism = int(spec.get("parallelism") or 0)
        if not _finished(job):
            if not spec.get("suspend") and not status.get("startTime"):
                status["startTime"] = self.cluster.clock.timestamp(now)
            started = status.get("startTime")
            deadline = spec.get("activeDeadlineSeconds")
            if failed > int(spec.get("backoffLimit", 6)):
                self._fail(
                    job,
                    status,
                    active,
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                )
                active = []
            elif deadline is not None and started and now - _ts(started) >= int(deadline):
                self._fail(
                    job,
                    status,
                    active,
                    "DeadlineExceeded",
                    "Job was active longer than specified deadline",
                )
                active = []
            elif (completions is not None and succeeded >= int(completions)) or (
                completions is None and succeeded >= 1 and not active
            ):
                message = "Reached expected number of succeeded pods"
                self._condition(status, "SuccessCriteriaMet", "CompletionsReached", message)
                self._condition(status, "Complete", "CompletionsReached", message)
                status["completionTime"] = self.cluster.clock.timestamp(now)
                self.ctx.recorder.record(
                    job, "Normal", "Completed", "Job completed", self.component
                )
            elif spec.get("suspend"):
                for pod in active:
                    request_pod_deletion(self.cluster, *key_of_pod(pod))
                active = []
                self._condition(status, "Suspended", "JobSuspended", "Job suspended")
            else:
                if _condition_true(job, "Suspended"):
                    self._condition(status, "Suspended", "JobResumed", "Job resumed", value="False")
                if completions is not None:
                    want = min(parallelism, int(completions) - succeeded)
                else:
                    want = parallelism if succeeded == 0 else 0
                missing = want - len(active)
                wait = self._backoff(uid, failed, now)
                if missing > 0 and wait > 0:
                    self.queue.add_after(key, wait)
                elif missing > 0:
                    for _ in range(missing):
                        created = self._create(job)
                        if created is not None:
                            active.append(created)
                for pod in sorted(active, key=lambda p: p["metadata"]["name"])[max(want, 0) :]:
                    request_pod_deletion(self.cluster, *key_of_pod(pod))
                active = active[: max(want, 0)]
        status["active"] = len(active)
        status["ready"] = sum(1 for p in active if _ready(p))
        status["terminating"] = sum(
            1
            for p in self._pods(job)
            if p["metadata"].get("deletionTimestamp") and status_of(p).get("phase") not in _TERMINAL
        )
        status["uncountedTerminatedPods"] = {}
        cleaned = {k: v for k, v in status.items() if v not in (0, None)}
        cleaned.setdefault("uncountedTerminatedPods", {})
        if cleaned != status_of(job):

            def write(obj: Obj) -> None:
                obj["status"] = cleaned

            with contextlib.suppress(NotFound):
                store.mutate(GR, *key, write)

    def _backoff(self, uid: str, failed: int, now: float) -> float:
        if failed == 0 or uid not in self._last_failure:
            return 0.0
        delay = min(_BACKOFF_BASE * 2.0 ** (failed - 1), _BACKOFF_MAX)
        return max(0.0, self._last_failure[uid] + delay - now)

    def _create(self, job: Obj) -> Obj | None:
        template = (job.get("spec") or {}).get("template") or {}
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        name = f"{job['metadata']['name']}-{random_suffix(self.cluster.store.rng)}"
        pod = self.pod_for(job, name, labels, template, clone(template.get("spec") or {}))
        pod["metadata"]["finalizers"] = [TRACKING]
        return self.create_pod(job, pod)

    def _fail(self, job: Obj, status: Obj, active: list[Obj], reason: str, message: str) -> None:
        self._condition(status, "FailureTarget", reason, message)
        self._condition(status, "Failed", reason, message)
        for pod in active:
            request_pod_deletion(self.cluster, *key_of_pod(pod))
        self.ctx.recorder.record(job, "Warning", reason, message, self.component)

    def _condition(
        self, status: Obj, ctype: str, reason: str, message: str, *, value: str = "True"
    ) -> None:
        now = self.cluster.clock.timestamp()
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != ctype]
        conditions.append(
            {
                "type": ctype,
                "status": value,
                "lastProbeTime": now,
                "lastTransitionTime": now,
                "reason": reason,
                "message": message,
            }
        )
        status["conditions"] = conditions


def key_of_pod(pod: Obj) -> Key:
    return pod["metadata"].get("namespace", ""), pod["metadata"]["name"]


def _ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status_of(pod).get("conditions") or []
    )


def _ts(text: str) -> float:
    return parse_timestamp(text) or 0.0
