"""The app's store lets Events go when the cluster does: kube-apiserver deletes each Event an
hour after its last write (``--event-ttl``), and the watch's DELETED removes it here. Without
that, Events would pile up in a long-running app."""

from __future__ import annotations

from kubectl_stack_sim.runner import RunningSim

from .conftest import Watching, converge

HOUR = 3600.0


def _cluster_events(sim: RunningSim) -> set[tuple[str, str]]:
    def names() -> set[tuple[str, str]]:
        return {
            (e["metadata"]["namespace"], e["metadata"]["name"])
            for e in sim.cluster.store.iter("events")
        }

    return sim.call(names)


async def test_the_store_holds_no_event_the_cluster_has_expired(
    watching: Watching, sim: RunningSim
) -> None:
    before = set(watching.state.objects("events"))
    assert before and before == _cluster_events(sim)
    for _ in range(13):
        sim.advance(300)
    expired = before - _cluster_events(sim)
    assert expired, "an hour passed and the cluster expired no Event"
    await converge(watching.state, watching.connection)
    assert not expired & set(watching.state.objects("events"))
