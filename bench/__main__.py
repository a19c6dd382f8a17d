"""``python -m bench``: run every benchmark."""

from __future__ import annotations

import sys

from bench import sync

if __name__ == "__main__":
    sys.exit(sync.main(sys.argv[1:]))
