"""Extract every ``--help`` text into the help catalog, crmctl_help.po (its own gettext domain).

    python -m crmctl.cli.help_catalog          # after adding a command or changing a help text
    python -m crmctl.cli.help_catalog --check  # exit 1, listing them, if a text has no Chinese

The msgids are the texts exactly as typer holds them: each command's help (its docstring,
cleaned) and explicit short help, each option's and argument's ``help=``, root ``--help``'s
one-line summaries (crmctl/cli/_commands.py) and typer's own words (cli/helptext.py). Writing
keeps every translation whose msgid is still used, adds the new msgids untranslated (empty
msgstr: the English shows until someone writes the Chinese) and drops the unused ones;
tests/test_help_i18n.py fails while one has no Chinese. Edit the msgstrs by hand; installing
compiles the .po (setup.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from typer.main import get_command

from crmctl import i18n
from crmctl.cli import COMMANDS, SUB_APPS, app
from crmctl.cli.gen_commands import register
from crmctl.cli.helptext import DOMAIN, TYPER_WORDS

PO = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.po"
COMMAND = "python -m crmctl.cli.help_catalog"
HEADER = f"""\
# Chinese (zh_CN) --help texts of crmctl (cli/helptext.py). Written by `{COMMAND}`,
# which keeps the msgstrs: translate them here. The msgids are the English texts exactly;
# a "#." comment says where each is shown. Examples stay commands (Chinese values welcome).
msgid ""
msgstr ""
"Project-Id-Version: crmctl\\n"
"Language: zh_CN\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"
"""


def _walk(command, path: str, texts: dict[str, list[str]]) -> None:
    def add(text, where):
        if text:
            texts.setdefault(text, []).append(where)

    add(command.help, path)
    add(command.short_help, f"{path} (short)")
    for param in command.params:
        add(getattr(param, "help", None), f"{path} {param.opts[0] if param.opts else param.name}")
    for name, sub in getattr(command, "commands", {}).items():
        _walk(sub, f"{path} {name}", texts)


def help_texts() -> dict[str, list[str]]:
    """Every help text of every command -> where it shows, in --help order."""
    texts: dict[str, list[str]] = {}
    root = get_command(app)
    root.commands = {}  # the root's own help and options; its commands one module at a time
    _walk(root, "crmctl", texts)
    for name, (_module, summary) in COMMANDS.items():
        texts.setdefault(summary, []).append(f"crmctl --help: {name}")
    for module_name, group in SUB_APPS:
        alone = typer.Typer()
        register(alone, module_name, group)
        for name, command in get_command(alone).commands.items():
            _walk(command, f"crmctl {name}", texts)
    for word in TYPER_WORDS:
        texts.setdefault(word, []).append("typer's own word")
    return texts


def read_catalog(path: Path = PO) -> dict[str, str]:
    """msgid -> msgstr of the .po (empty msgstr: untranslated)."""
    if not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as source:
        catalog = read_po(source)
    return {m.id: m.string for m in catalog if m.id}


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    parts = [f"{line}\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


def source(texts: dict[str, list[str]], translations: dict[str, str]) -> str:
    """The text of the .po: the header, then one entry per help text."""
    entries = [HEADER]
    for text, places in texts.items():
        comments = "".join(f"#. {place}\n" for place in places[:3])
        entries.append(f"{comments}msgid {_quoted(text)}\n"
                       f"msgstr {_quoted(translations.get(text, ''))}\n")
    return "\n".join(entries)


def untranslated(texts=None, translations=None) -> list[str]:
    """The help texts with no Chinese in the catalog."""
    texts = help_texts() if texts is None else texts
    translations = read_catalog() if translations is None else translations
    return [text for text in texts if not translations.get(text)]


def main(argv: list[str]) -> int:
    texts, translations = help_texts(), read_catalog()
    missing = untranslated(texts, translations)
    if "--check" in argv:
        for text in missing:
            sys.stderr.write(f"no Chinese for: {text.splitlines()[0]!r}\n")
        return 1 if missing else 0
    dropped = [text for text in translations if text not in texts]
    PO.write_text(source(texts, translations), encoding="utf-8")
    sys.stderr.write(f"wrote {PO}: {len(texts)} texts, {len(missing)} without Chinese, "
                     f"{len(dropped)} unused dropped\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
