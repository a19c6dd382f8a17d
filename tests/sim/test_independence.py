"""The embedded cluster runs without the app: serving a scenario loads no ``kubectl_stack``
module (import-linter checks the static imports; this checks what really gets loaded)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from kubectl_stack_sim.runner import start_sim
sim = start_sim("seed")
sim.advance(30)
sim.stop()
print(sorted(m for m in sys.modules if m == "kubectl_stack" or m.startswith("kubectl_stack.")))
"""


def test_serving_a_scenario_loads_nothing_of_the_app() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
