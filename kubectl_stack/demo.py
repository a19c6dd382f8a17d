"""``--demo``: start the embedded cluster in-process and point the options at it.

Shared by the TUI (:mod:`kubectl_stack.ui.run`) and ``--once`` (:mod:`kubectl_stack.once`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .options import ConnectionOptions, Options

if TYPE_CHECKING:
    from kubectl_stack_sim.runner import RunningSim


class DemoError(Exception):
    """The demo cluster could not start; the message is one line for the user."""


def start_demo(options: Options, *, live: bool = True) -> tuple[RunningSim, Options]:
    """Start ``options.demo``'s scenario (a name or a YAML file) and return the running
    cluster with options that connect to it (the ``-n`` namespace is kept). ``live`` runs the
    cluster's clock at ``options.demo_speed``; otherwise it stays at the converged state."""
    from kubectl_stack_sim.runner import start_sim
    from kubectl_stack_sim.scenario import ScenarioError

    scenario = options.demo or "seed"
    try:
        sim = start_sim(scenario, manual_clock=not live, speed=options.demo_speed)
    except ScenarioError as exc:
        raise DemoError(str(exc)) from None
    except OSError as exc:
        raise DemoError(f"cannot start the demo cluster: {exc}") from None
    connection = ConnectionOptions(
        kubeconfig=str(sim.kubeconfig), namespace=options.connection.namespace
    )
    return sim, replace(options, demo=None, connection=connection)
