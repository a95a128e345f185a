"""The console script: start opening the database early (crmctl.prefetch), then run the
command line. Kept free of heavy imports, since the point is to start before them."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.umask(0o077)  # before the early open, which may create the -wal and -shm files
    from crmctl import prefetch

    prefetch.start(sys.argv[1:], os.environ)
    from crmctl.cli import main as run

    run()
