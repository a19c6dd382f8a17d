"""``python -m kubectl_stack``: the same as ``kubectl stack``."""

from .cli import main

raise SystemExit(main())
