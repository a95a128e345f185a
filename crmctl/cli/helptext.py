"""``--help`` in the interface language: English as typer writes it, or Chinese.

Every context crmctl makes is a ``HelpContext`` (the root group's class attribute; the lazy
root sets it on each sub-app's commands as it builds them, ``use_help_context``). Its
``get_help`` is the one door every help page goes through (``--help``, ``-h``, a group run
without a command): in English it is typer's, byte for byte; in Chinese it renders a copy of
the command whose help, short help and parameters' help are looked up in the gettext domain
``crmctl_help`` (``crmctl/locale/zh_CN/LC_MESSAGES/crmctl_help.po``, its msgids extracted
by ``python -m crmctl.cli.help_catalog``), with typer's own words (Usage, Options…) too, and
wrapped by display width (a Chinese character takes two columns). Nothing of this runs, and
the catalog is not read, unless a help page is printed.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from contextlib import contextmanager
from functools import lru_cache

from typer._click.core import Context
from typer._click.formatting import HelpFormatter

from crmctl import i18n

DOMAIN = "crmctl_help"
# typer's own words on a help page, as typer writes them (translated in the same domain)
TYPER_WORDS = ["Usage", "[OPTIONS]", "COMMAND [ARGS]...", "Options", "Arguments", "Commands",
               "Show this message and exit.", "default", "required", "env var"]


class HelpContext(Context):
    """click's context, whose help page is Chinese when the interface language is."""

    def get_help(self) -> str:
        if i18n.is_english():
            return super().get_help()
        return chinese_help(self)


def use_help_context(command) -> None:
    """Make ``command`` and every command under it create HelpContexts."""
    command.context_class = HelpContext
    for sub in getattr(command, "commands", {}).values():
        use_help_context(sub)


@lru_cache(maxsize=1)
def _catalog():
    import gettext

    return gettext.translation(DOMAIN, i18n.LOCALE_DIR, languages=["zh_CN"], fallback=True)


def tr(text: str | None) -> str | None:
    """``text`` (a help text as typer holds it) in Chinese, or itself when untranslated."""
    return _catalog().gettext(text) if text else text


def first_sentence(text: str) -> str:
    """A Chinese help's short form: its first paragraph up to the first 。 (included)."""
    paragraph = join_lines(text.split("\n\n", 1)[0].splitlines())
    end = paragraph.find("。")
    return paragraph if end < 0 else paragraph[:end + 1]


def short_help(english_short: str, english_help: str | None) -> str:
    """The Chinese short help: its own entry (root's COMMANDS texts have one), else the first
    sentence of the Chinese help."""
    own = tr(english_short)
    if own != english_short or not english_help:
        return own
    return first_sentence(tr(english_help))


def _translated_param(param):
    new = copy.copy(param)
    new.help = tr(param.help)
    return new


def one_line(text: str, limit: int) -> str:
    """``text`` cut to one line of ``limit`` columns, with … when cut (as typer's "...")."""
    if len(wrap(text, limit)) == 1:
        return text
    return wrap(text, limit - 1)[0] + "…"


def translated(command, ctx, columns: int):
    """A copy of ``command`` with its texts in Chinese (the original is left as it is);
    its sub-commands' short help fit on a line of the help page's ``columns``."""
    new = copy.copy(command)
    help_option = command.get_help_option(ctx)
    new.help = tr(command.help)
    new.short_help = tr(command.short_help)
    new.options_metavar = tr(command.options_metavar)
    if getattr(command, "subcommand_metavar", None):
        new.subcommand_metavar = tr(command.subcommand_metavar)
    new.params = [_translated_param(p) for p in command.params]
    new._help_option = help_option and _translated_param(help_option)
    commands = getattr(command, "commands", None)
    if isinstance(commands, dict) and commands:  # a sub-app's group (the root: its own)
        limit = columns - 6 - max(len(name) for name in commands)
        new.commands = {}
        for name, sub in commands.items():
            new.commands[name] = copy.copy(sub)
            new.commands[name].short_help = one_line(
                short_help(sub.get_short_help_str(10**6), sub.help), limit)
    return new


def chinese_help(ctx: Context) -> str:
    formatter = ChineseFormatter(width=ctx.terminal_width, max_width=ctx.max_content_width)
    translated(ctx.command, ctx, formatter.width).format_help(ctx, formatter)
    return formatter.getvalue().rstrip("\n")


# ---- wrapping by display width -------------------------------------------------------------

_IDEO = "\u2e80-\u2fff\u3040-\u9fff\uf900-\ufaff"  # ideographs, kana (not 。、「」)
_OPEN_ZH, _CLOSE_ZH = "（《「『“‘【", "，。；：、）》」』”’】！？"
_OPEN, _CLOSE = re.escape(_OPEN_ZH + "([<"), re.escape(_CLOSE_ZH + ")]>")
# a line may break before any token: an ideograph (or a number and the ideograph after it,
# 12月), with the opening marks before it and the closing ones after it (a line never starts
# with a closing mark nor ends with an opening one), or a run of other characters up to and
# including its closing marks
_TOKEN = (rf"\s+|(?:[^\s{_IDEO}{_CLOSE_ZH}]*?[{_OPEN}]+)?\d*[{_IDEO}][{_CLOSE}]*"
          rf"|[^\s{_IDEO}{_CLOSE_ZH}]+[{_CLOSE}]*|[{_CLOSE}]+")


@lru_cache(maxsize=1)
def _tokens():
    return re.compile(_TOKEN)  # compiled on first use: ~3 ms, not for every start-up


def _wide(ch: str) -> bool:
    return bool(ch) and unicodedata.east_asian_width(ch) in "WF"


def width(text: str) -> int:
    """Terminal columns of ``text``: two for a wide (CJK) character, none for a combining."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else
               0 if unicodedata.combining(ch) else 1 for ch in text)


def join_lines(lines) -> str:
    """A paragraph's lines as one: joined by a space, except between Chinese characters."""
    text = ""
    for line in (line.strip() for line in lines):
        glue = "" if (not text or _wide(line[:1]) or _wide(text[-1])) else " "
        text = f"{text}{glue}{line}"
    return text


def wrap(text: str, limit: int, indent: str = "", first_indent: str | None = None) -> list[str]:
    """One paragraph, greedily filled to ``limit`` columns; a token wider than that has a
    line of its own."""
    line = first_indent if first_indent is not None else indent
    lines, used, spaced, empty = [], width(line), "", True
    for token in _tokens().findall(text):
        if token.isspace():
            spaced = " " if "\n" in token else token
            continue
        glue = spaced if spaced and not empty else ""
        if not empty and used + len(glue) + width(token) > limit:
            lines.append(line)
            line, used, glue = indent, width(indent), ""
        line, used, empty, spaced = f"{line}{glue}{token}", used + len(glue) + width(token), \
            False, ""
    lines.append(line)
    return lines


def wrap_paragraphs(text: str, limit: int, indent: str = "") -> str:
    paragraphs = [join_lines(p.splitlines()) for p in text.split("\n\n")]
    return "\n\n".join("\n".join(wrap(p, limit, indent)) for p in paragraphs if p.strip())


_EXTRA = re.compile(r"(^|  )\[(.+)\]$", re.S)


def _extra(help_text: str) -> str:
    """typer's ``  [default: x; required]`` after an option's help, in Chinese."""
    found = _EXTRA.search(help_text)
    if not found:
        return help_text
    parts = []
    for part in found.group(2).split("; "):
        word, colon, value = part.partition(": ")
        if word in ("default", "env var", "required"):
            part = f"{tr(word)}：{value}" if colon else tr(word)
        parts.append(part)
    return f"{help_text[:found.start()]}{found.group(1)}[{'；'.join(parts)}]"


class ChineseFormatter(HelpFormatter):
    """click's help formatter with typer's words in Chinese and lines filled by display
    width, not by characters."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = f"{'':>{self.current_indent}}{tr('Usage')}：{prog} "
        indent = " " * min(width(prefix), 20)
        lines = wrap(args, self.width, indent, first_indent=prefix)
        self.write("\n".join(lines) + "\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    @contextmanager
    def section(self, name: str):
        with super().section(tr(name)):
            yield

    def write_text(self, text: str) -> None:
        self.write(wrap_paragraphs(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(first, _extra(second)) for first, second in rows]
        first_col = min(max(width(first) for first, _ in rows), col_max) + col_spacing
        indent = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + indent)
            limit = max(self.width - first_col - 2, 10) + len(indent)
            text = wrap_paragraphs(second, limit, indent)
            self.write(text[len(indent):] + "\n")
