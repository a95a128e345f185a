"""The crmctl command: the console script's entry point (``crmctl.__main__:main``) and
``python -m crmctl``.

Start-up (importing Typer and crmctl, building the command's click tree) makes tens of
thousands of objects and no garbage worth collecting, so the cyclic collector is off
until the command's sub-app is built: ``cli.load_sub_app`` freezes what start-up made
(never walked again) and turns collection back on for the command itself. Walking the
start-up's objects cost ~4 ms of the ~60 ms before a command runs."""

import gc

gc.disable()
from crmctl.cli import main  # noqa: E402 - imported with the collector off

if __name__ == "__main__":
    main()
