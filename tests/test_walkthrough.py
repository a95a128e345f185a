"""examples/walkthrough.zh.md stays true (issue 16: "`examples/` has a Chinese walkthrough").

Its commands run in order, in-process, on a fresh database of their own (tests/walkthrough.py
says how); each ```text block must be exactly what its commands print. When crmctl's output
changes on purpose, rewrite the page: `.venv/bin/python -m tests.walkthrough --write`.
"""

from __future__ import annotations

import re
import shlex

import pytest

from walkthrough import DOC, ROOT, parse, rewrite, run, tidy


def commands(steps) -> list[str]:
    return [line.strip() for step in steps for line in step.lines if line.strip()]


def test_the_walkthrough_prints_what_it_shows(tmp_path):
    steps = run(parse(DOC.read_text(encoding="utf-8")), tmp_path / "crm-walkthrough")
    assert len(steps) > 15
    shown = [("\n".join(s.lines), tidy(s.expected or "")) for s in steps]
    printed = [("\n".join(s.lines), s.printed) for s in steps]
    assert printed == shown, "run `.venv/bin/python -m tests.walkthrough --write` if on purpose"


def test_the_walkthrough_is_the_one_the_issue_asks_for():
    page = DOC.read_text(encoding="utf-8")
    run_lines = commands(parse(page))
    joined = "\n".join(run_lines)
    assert "export CRMCTL_LANG=zh_CN" in run_lines and "crmctl init" in run_lines
    for wanted in ("crmctl import examples/客户名单.csv", "--tier 金牌", "--birthday 1985/3/12",
                   '--at "昨天 下午3点"', "--channel 微信", "crmctl complaints resolve ",
                   " 下周五 ", "crmctl list --search wm", "crmctl show 王明", "crmctl followups",
                   "crmctl report", "crmctl report sales", "--out /tmp/crm-walkthrough/客户.xlsx",
                   "crmctl tier review"):
        assert wanted in joined, wanted
    assert "--help" not in joined  # other helpers are still changing the --help texts
    # a GBK file, as a Chinese CRM or Excel on Chinese Windows writes it
    raw = (ROOT / "examples" / "客户名单.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").startswith("客户名称,联系人,")
    # the crontab shown runs a command the page runs
    cron = re.search(r"```crontab\n(.*?)```", page, re.S).group(1).strip().splitlines()
    assert "crmctl " + cron[-1].split("/crmctl ", 1)[1] in run_lines
    assert "CRMCTL_PASSPHRASE_FILE=" in "\n".join(cron)


def test_no_passphrase_on_a_command_line():
    """The passphrase is made into a 0600 file, never typed: no argument carries one and
    only CRMCTL_PASSPHRASE_FILE names it."""
    run_lines = commands(parse(DOC.read_text(encoding="utf-8")))
    exported = [shlex.split(line)[1].split("=")[0] for line in run_lines
                if line.startswith("export ")]
    assert "CRMCTL_PASSPHRASE_FILE" in exported
    assert not {"CRMCTL_PASSPHRASE", "CRMCTL_PASSPHRASE_CMD"} & set(exported)
    assert not [line for line in run_lines if "PASSPHRASE=" in line and "_FILE=" not in line]
    assert "umask 077" in "\n".join(run_lines)


PAGE = """# 试

```sh
export CRMCTL_LANG=zh_CN
(umask 077 && head -c 24 /dev/urandom | base64 > /tmp/crm-walkthrough/passphrase)
export CRMCTL_PASSPHRASE_FILE=/tmp/crm-walkthrough/passphrase
export CRMCTL_DB=/tmp/crm-walkthrough/crm.db
crmctl init
```

```text
已创建 crm.db
```

```sh
crmctl show 9 || echo "退出码 $?"
crmctl add 王明 --company 华为 --phone 13800138000
```
"""


def test_a_page_that_no_longer_matches_is_caught_and_rewritten(tmp_path):
    """The check can fail: a wrong output and a missing one are found; --write's rewrite
    puts what crmctl prints in their place (paths as /tmp/crm-walkthrough), and a failing
    command without `|| echo` stops the run."""
    steps = run(parse(PAGE), tmp_path / "w")
    assert [s.printed for s in steps] == [
        "已创建 /tmp/crm-walkthrough/crm.db",
        "crmctl: 没有编号为 9 的客户\n退出码 1\n1"]
    assert [tidy(s.expected or "") for s in steps] == ["已创建 crm.db", ""]
    fixed = rewrite(PAGE, steps)
    again = parse(fixed)
    assert [s.expected for s in again] == [s.printed for s in steps]
    assert fixed.endswith("```\n\n```text\ncrmctl: 没有编号为 9 的客户\n退出码 1\n1\n```\n")
    with pytest.raises(AssertionError, match="exited 1"):
        run(parse(PAGE.replace(' || echo "退出码 $?"', "")), tmp_path / "again")
