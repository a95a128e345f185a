"""Where output goes: stdout on a terminal (rich) or off it (plain text), notes on stderr.

Every render module asks ``terminal.stdout_is_terminal()`` through this module, so a test
can pretend to be a terminal with one monkeypatch.
"""

from __future__ import annotations

import os
import sys


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (ValueError, AttributeError):
        return False


def console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stdout_is_terminal() and not stderr:
        return Console(file=stream, highlight=False)
    # Not a terminal: plain text wide enough not to fold rows in a mail or a pipe.
    width = int(os.environ.get("COLUMNS", "0") or 0) or 160
    return Console(file=stream, width=width, color_system=None, highlight=False,
                   emoji=False, markup=False, force_terminal=False, soft_wrap=True)


def print_renderable(renderable) -> None:
    """Print to stdout; off a terminal, without the trailing blanks rich pads lines with."""
    out = console()
    if stdout_is_terminal():
        out.print(renderable)
        return
    with out.capture() as captured:
        out.print(renderable)
    sys.stdout.write("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n")


def message(text: str) -> None:
    """A human note on stderr (stdout stays clean for ids and data)."""
    sys.stderr.write(text + "\n")


class progress:
    """A rich progress bar on stderr when it is a terminal; nothing under cron or a pipe.

    ``with progress("importing") as update:`` gives ``update(done, total)``, or None."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = None

    def __enter__(self):
        try:
            terminal = sys.stderr.isatty()
        except (ValueError, AttributeError):
            terminal = False
        if not terminal:
            return None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(file=sys.stderr), transient=True)
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=None)
        return self.update

    def update(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
