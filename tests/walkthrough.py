"""Run examples/walkthrough.zh.md: its ```sh blocks in order, each output beside its ```text.

The walkthrough is a Markdown page whose ```sh blocks are run top to bottom, in-process
(crmctl's CliRunner; another shell line, such as making the passphrase file, in bash), in a
directory standing in for ``/tmp/crm-walkthrough`` and with the environment the page
exports (CRMCTL_LANG, CRMCTL_DB, CRMCTL_PASSPHRASE_FILE, CRMCTL_NOW, TZ). The ```text block
right after a ```sh block is what its crmctl commands print, stdout and stderr as a terminal
shows them. `tests/test_walkthrough.py` fails when one differs.

After a change to what crmctl prints, rewrite the outputs (from the repository root):

    .venv/bin/python -m tests.walkthrough --write

(without --write it only prints the steps whose output differs, and exits 1 if one does).

Lines a ```sh block may hold: ``# comments``, ``export NAME=VALUE``, ``crmctl ARGS`` (with
`` || echo "退出码 $?"`` when it is meant to fail: the exit code is then printed), any other
shell line (run by bash in the repository root). Only one thing is normalized: the stand-in
directory's path is printed as ``/tmp/crm-walkthrough``; trailing spaces are ignored (an
editor strips them from Markdown).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "examples" / "walkthrough.zh.md"
WORKDIR = "/tmp/crm-walkthrough"
FAILS = '|| echo "退出码 $?"'


@dataclass
class Step:
    """One ```sh block: its lines, and the ```text block after it (None if there is none)."""

    lines: list[str]
    expected: str | None
    sh_end: int  # index of the sh block's closing fence in the page's lines
    text_span: tuple[int, int] | None = None  # the text block's content: [start, end)
    printed: str = field(default="")


def parse(page: str) -> list[Step]:
    lines = page.split("\n")
    steps, i = [], 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        end = lines.index("```", i + 1)
        step = Step(lines[i + 1:end], None, end)
        j = end + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and lines[j].strip() == "```text":
            close = lines.index("```", j + 1)
            step.text_span = (j + 1, close)
            step.expected = "\n".join(lines[j + 1:close])
            end = close
        steps.append(step)
        i = end + 1
    return steps


@contextmanager
def sandbox(workdir: Path):
    """os.environ as a fresh shell's with nothing of crmctl's set, HOME in ``workdir``, the
    repository root as the current directory; all restored (the time zone too) afterwards."""
    saved, cwd = dict(os.environ), os.getcwd()
    os.chdir(ROOT)  # the page's paths are relative to the repository root
    for name in list(os.environ):
        if name.startswith(("CRMCTL_", "LC_")) or name in ("LANG", "COLUMNS", "LINES", "TZ"):
            del os.environ[name]
    os.environ.update(HOME=str(workdir / "home"), XDG_DATA_HOME=str(workdir / "home" / "data"),
                      XDG_CACHE_HOME=str(workdir / "home" / "cache"), LANG="C.UTF-8")
    try:
        yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)
        time.tzset()


def _local(text: str, workdir: Path) -> str:
    return text.replace(WORKDIR, str(workdir))


def _crmctl(line: str, workdir: Path, runner) -> str:
    from crmctl.cli import app

    may_fail = line.endswith(FAILS)
    words = [_local(w, workdir) for w in shlex.split(line.removesuffix(FAILS))[1:]]
    result = runner.invoke(app, words)
    if result.exit_code and not may_fail:
        raise AssertionError(f"{line!r} exited {result.exit_code}: {result.output}")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{line!r} raised {result.exception!r}")
    return result.output + (f"退出码 {result.exit_code}\n" if result.exit_code else "")


def run_line(line: str, workdir: Path, runner) -> str:
    line = line.strip()
    if not line or line.startswith("#"):
        return ""
    if line.startswith("export "):
        name, _, value = shlex.split(line[len("export "):])[0].partition("=")
        os.environ[name] = _local(value, workdir)
        if name == "TZ":
            time.tzset()
        return ""
    if line.startswith("crmctl "):
        return _crmctl(line, workdir, runner)
    done = subprocess.run(["bash", "-c", _local(line, workdir)], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ))
    if done.returncode:
        raise AssertionError(f"{line!r} exited {done.returncode}: {done.stderr}")
    return done.stdout + done.stderr


def run(steps: list[Step], workdir: Path) -> list[Step]:
    """Run every step in order (a fresh ``workdir``); each step's ``printed`` is its output
    with the directory written as WORKDIR, lines without trailing spaces."""
    from typer.testing import CliRunner

    runner = CliRunner()
    workdir.mkdir(parents=True, exist_ok=True)
    with sandbox(workdir):
        for step in steps:
            printed = "".join(run_line(line, workdir, runner) for line in step.lines)
            step.printed = tidy(printed.replace(str(workdir), WORKDIR))
    return steps


def tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").split("\n"))


def rewrite(page: str, steps: list[Step]) -> str:
    """The page with each step's output in its ```text block (one added where missing)."""
    lines = page.split("\n")
    for step in reversed(steps):
        if step.text_span:
            start, end = step.text_span
            lines[start:end] = step.printed.split("\n") if step.printed else []
        elif step.printed:
            lines[step.sh_end + 1:step.sh_end + 1] = ["", "```text", *step.printed.split("\n"),
                                                       "```"]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    page = DOC.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        steps = run(parse(page), Path(tmp) / "crm-walkthrough")
    if "--write" in argv:
        DOC.write_text(rewrite(page, steps), encoding="utf-8")
        print(f"rewrote {DOC.relative_to(ROOT)}: {len(steps)} steps")
        return 0
    wrong = [s for s in steps if tidy(s.expected or "") != s.printed]
    for step in wrong:
        print("\n".join(step.lines), "\n--- expected\n", step.expected, "\n--- printed\n",
              step.printed, sep="")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
