"""Running the real kubectl against an embedded cluster, as the parity tests do."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from kubectl_stack_sim.runner import RunningSim

Run = Callable[..., str]


def kubectl_runner(kubectl_path: Path, sim: RunningSim, cache_dir: Path) -> Run:
    """``run(*args)``: kubectl's stdout then stderr, against ``sim``, with its discovery
    cache in ``cache_dir``."""
    env = {**os.environ, "KUBECONFIG": str(sim.kubeconfig), "KUBECACHEDIR": str(cache_dir)}

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(kubectl_path), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return done.stdout + done.stderr

    return run
