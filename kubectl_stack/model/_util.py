"""The old name of :mod:`kubectl_stack.model.fields`, kept while the UI and the simulator
(edited on other branches) move to it: a re-export, nothing else."""

from kubectl_stack.model.fields import *  # noqa: F403
