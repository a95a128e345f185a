"""--help in Chinese (issue 16, item 5): every command's and option's help text has its
Chinese in the help catalog (crmctl_help.po, a gettext domain of its own), a Chinese shell
gets it with typer's own words (用法, 选项, 命令) wrapped by display width, and English stays
byte for byte what typer prints (tests/test_cli_lazy.py compares it with the eager app)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from crmctl.cli import app, help_catalog, helptext
from test_cli_lazy import eager_app, leaf_paths

ZH = {"CRMCTL_LANG": "zh_CN", "LC_ALL": None, "LC_MESSAGES": None, "LANG": None}
EN = {"CRMCTL_LANG": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}


@pytest.fixture(scope="module")
def eager():
    return eager_app()


@pytest.fixture(scope="module")
def paths(eager):
    from typer.main import get_command

    return [(), *leaf_paths(get_command(eager))]


def help_page(args, env, width=80, root=app):
    result = CliRunner().invoke(root, [*args, "--help"], prog_name="crmctl", env=env,
                                terminal_width=width)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def test_every_help_text_has_its_chinese():
    """A new command or option, or a changed help text, fails here until translated."""
    missing = help_catalog.untranslated()
    assert missing == [], (f"--help texts without Chinese: run `{help_catalog.COMMAND}` and "
                           "write their msgstr in crmctl_help.po:\n" + "\n".join(missing))


def test_the_catalog_is_what_the_extraction_writes():
    """No stale entry, in --help order, and the installed .mo is the compiled .po."""
    texts, translations = help_catalog.help_texts(), help_catalog.read_catalog()
    assert help_catalog.PO.read_text(encoding="utf-8") == \
        help_catalog.source(texts, translations), f"run `{help_catalog.COMMAND}`"
    compiled = helptext._catalog()
    assert all(compiled.gettext(text) == translations[text] for text in texts), \
        "the compiled crmctl_help.mo is older than its .po: run `make install`"


def test_chinese_root_help():
    page = help_page([], ZH)
    assert page.startswith("用法：crmctl [选项] 命令 [参数]...\n\n"
                           "  面向一位销售人员的命令行 CRM，数据保存在本地的加密数据库中。\n")
    assert "\n选项：\n  --db PATH             数据库文件（默认：平台用户数据目录下的 crm.db）。" in page
    assert "[环境变量：CRMCTL_DB]" in page.replace("\n                        ", "")
    assert "  -h, --help            显示此帮助信息后退出。\n" in page
    assert "\n命令：\n  init          新建一个加密数据库（权限 0600）；不会覆盖已有文件。\n" in page
    assert "  list          列出客户，可筛选、排序（已关闭的客户仅在 --closed 或 --all 时…\n" in page
    assert "  tag           给客户打标签，用于客户细分。\n" in page


def test_chinese_list_help():
    page = help_page(["list"], ZH)
    assert page.startswith("用法：crmctl list [选项]\n\n  列出客户，可筛选、排序")
    assert "  示例：crmctl list --region 广东 --segment loyal --spend-min 10000 --sort\n" in page
    assert "  --tag <str>                    仅限带此标签的客户（重复使用：须带全部标签）。\n" in page
    assert "                                 表示倒序。  [默认：id]\n" in page
    assert "  -f, --format <table|json|csv>  table、json 或 csv。  [默认：table]\n" in page


def test_chinese_followups_help_and_its_sub_commands():
    page = help_page(["followups"], ZH)
    assert "  截至 --until（默认今天）需要联系谁，逾期的在前：" in page
    assert "  示例：crmctl followups --until 下周五 --tier 金牌 --region 广东\n" in page
    assert "  --overdue                      只列出已过期的事项。\n" in page
    assert "\n命令：\n" in page
    assert "  schedule  安排一次跟进，并在标准输出上只打印其编号（FID）；若客户当天已有未…\n" in page
    schedule = help_page(["followups", "schedule"], ZH)
    assert "\n参数：\n" in schedule and "[必填]" in schedule
    assert '  示例：crmctl followups schedule 王明 2周后 --purpose "报价回访"\n' in schedule


def test_a_group_without_its_command_shows_the_chinese_help_on_stderr():
    result = CliRunner().invoke(app, ["tier"], prog_name="crmctl", env=ZH)
    assert result.exit_code == 2
    assert result.stderr.startswith("用法：crmctl tier [选项] 命令 [参数]...\n\n"
                                    "  客户等级（客户分级）：手动设定、按规则复核、变更历史、规则。\n")


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("width", [50, 80, 120])
def test_every_chinese_help_page_fits_and_leaves_no_english_sentence(paths, width):
    """Every page: typer's words in Chinese, no line wider than the page (a Chinese
    character takes two columns; a line with a token too wide for any column aside), and none of
    the English help texts left (the text flattened, so wrapping cannot hide one)."""
    english = [_flat(text)[:30] for text in help_catalog.help_texts()
               if len(text.split()) >= 4]
    for path in paths:
        page = help_page(path, ZH, width)
        assert page.startswith("用法：crmctl") and "\n选项：\n" in page, path
        assert not re.search(r"\[(required|default:|env var:)", page), path
        for line in page.splitlines():
            longest = max(map(helptext.width, helptext._tokens().findall(line)), default=0)
            assert helptext.width(line) <= width or longest > width - 36, (path, line)
        flat = _flat(page)
        assert [text for text in english if text in flat] == [], path


@pytest.mark.parametrize("path", [(), ("list",), ("followups",), ("tier",), ("tier", "set")])
def test_english_is_unchanged_in_a_c_locale(eager, path):
    """LANG=C.UTF-8 (and CRMCTL_LANG=en in a Chinese shell) print typer's own English, as
    the eager app without HelpContext does (tests/test_cli_lazy.py compares every page so,
    under the suite's LANG=C.UTF-8)."""
    expected = help_page(path, EN, 100, root=eager)
    assert expected.startswith("Usage: crmctl")
    assert help_page(path, EN, 100) == expected
    assert help_page(path, {"CRMCTL_LANG": "en", "LANG": "zh_CN.UTF-8"}, 100) == expected


def test_the_catalog_is_read_only_for_a_help_page(initialized):
    """A Chinese command that prints no help does not load the help catalog."""
    helptext._catalog.cache_clear()
    result = initialized("list", env=ZH)
    assert result.exit_code == 0, result.stderr
    assert helptext._catalog.cache_info().currsize == 0
    help_page(["list"], ZH)
    assert helptext._catalog.cache_info().currsize == 1


@pytest.mark.parametrize("text, limit, lines", [
    ("截至这一天：2026-12-10、12月10日、明天", 16,
     ["截至这一天：", "2026-12-10、12月", "10日、明天"]),
    ("只列出此等级（钻石、金牌）。", 12, ["只列出此等级", "（钻石、金", "牌）。"]),
    ("按 E.164 格式保存（+8613800138000）。", 20, ["按 E.164 格式保存", "（+8613800138000）。"]),
    ("王明 wang ming", 8, ["王明", "wang", "ming"]),
    ("phone、email、chat、other（或 电话）。", 16, ["phone、email、", "chat、other（或", "电话）。"]),
])
def test_wrapping_by_display_width(text, limit, lines):
    """Two columns per Chinese character; 12月 stays whole, a closing mark never starts a
    line, an opening one never ends one."""
    assert helptext.wrap(text, limit) == lines
    assert all(helptext.width(line) <= limit for line in lines)


def test_a_chinese_short_help_is_its_first_sentence_cut_to_a_line():
    assert helptext.first_sentence("给客户打标签。\n\n示例：crmctl tag add vip 12") == "给客户打标签。"
    assert helptext.one_line("把口令保存在操作系统的密钥环中。", 20) == "把口令保存在操作系…"
    assert re.fullmatch(r"\S+…", helptext.one_line("一" * 40, 30))


def test_every_argument_and_option_says_what_it_is(eager, paths):
    """Issue 16.8: options (and arguments: IID, PID, FID, campaign ids) have descriptions
    everywhere, so that no line of a help page is a bare name."""
    from typer.main import get_command

    root = get_command(eager)
    bare = []
    for path in paths:
        command = root
        for name in path:
            command = command.commands[name]
        bare += [f"crmctl {' '.join(path)} {param.name}" for param in command.params
                 if param.name != "help" and not getattr(param, "help", None)]
    assert bare == []
