"""click's own usage errors in the interface language (issue 16.5): 没有选项 --x, 缺少参数 'ID'…

click (vendored in Typer) words its usage errors in English only and has no catalog. Under a
Chinese interface the exit point (cli/__init__.py ``_usage_line``) hands the English message
here; each known form is read back into its parts (the option, the value, click's choices)
and worded through gettext. The words a person typed or may type (options, values, choices,
command names) stay as they are. A form not known here (a newer click) stays English rather
than half-worded; an English interface never comes here, so its messages are click's own.
Imported only when a usage error happens: ``crmctl --help`` pays nothing.
"""

from __future__ import annotations

import re

from crmctl.i18n import _, pgettext

# The English forms click and Typer write (typer/_click/exceptions.py, parser.py, core.py,
# types.py; typer/core.py adds "Did you mean" to an unknown command)
_FORMS = (
    ("no option", r"No such option: (?P<option>\S+)(?: \(Possible options: (?P<choices>.*)\))?"),
    ("missing", r"Missing (?P<kind>argument|option|parameter) (?P<name>.+)\."),
    ("invalid", r"Invalid value for (?P<name>.+?): (?P<error>.*)"),
    ("extra", r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)"),
    ("no command", r"No such command (?P<name>'.*?')\.(?: Did you mean (?P<choices>.*)\?)?"),
    ("needs value", r"Option (?P<option>'.*') requires (?:an argument|(?P<n>\d+) arguments)\."),
    ("no value", r"Option (?P<option>'.*') does not take a value\."),
    ("no subcommand", r"Missing command\."),
)
_PATTERNS = [(kind, re.compile(pattern, re.S)) for kind, pattern in _FORMS]

# What is wrong with a value (BadParameter's own message, after "Invalid value for X: ")
_VALUE_FORMS = (
    ("choice", r"(?P<value>.*) is not one of (?P<choices>.*)\."),
    ("type", r"(?P<value>.*) is not a valid (?P<type>int|integer|float|boolean|UUID)\.?"
             r"(?: Recognized values: .*)?"),
    ("range", r"(?P<value>.*) is not in the range (?P<range>.*)\."),
    ("missing path", r"(?P<kind>File|Directory|Path) (?P<path>'.*') does not exist\."),
)
_VALUE_PATTERNS = [(kind, re.compile(pattern, re.S)) for kind, pattern in _VALUE_FORMS]


def _type_word(name: str) -> str:
    words = {"int": pgettext("type", "integer"), "integer": pgettext("type", "integer"),
             "float": pgettext("type", "number"), "boolean": pgettext("type", "yes/no value"),
             "UUID": "UUID"}
    return words[name]


def _value_error(error: str) -> str | None:
    """BadParameter's message worded, or None when its form is not known here."""
    for kind, pattern in _VALUE_PATTERNS:
        if found := pattern.fullmatch(error):
            break
    else:
        return None
    if kind == "choice":
        return _("{value} is not one of {choices}").format(**found.groupdict())
    if kind == "type":
        return _("{value} is not a valid {type}").format(value=found["value"],
                                                         type=_type_word(found["type"]))
    if kind == "range":
        return _("{value} is not in the range {range}").format(**found.groupdict())
    return _("{path} does not exist").format(path=found["path"])


def worded(message: str) -> str:
    """click's English usage message in the interface language; unknown forms as they are."""
    for kind, pattern in _PATTERNS:
        if found := pattern.fullmatch(message):
            break
    else:
        return message
    parts = found.groupdict()
    if kind == "no option":
        text = _("No such option: {option}").format(option=parts["option"])
        if parts["choices"]:
            text = _("{message}; possible options: {choices}").format(
                message=text, choices=parts["choices"])
        return text
    if kind == "missing":
        return {"argument": _("Missing argument {name}"), "option": _("Missing option {name}"),
                "parameter": _("Missing parameter {name}")}[parts["kind"]].format(
                    name=parts["name"])
    if kind == "invalid":
        error = _value_error(parts["error"])
        return message if error is None else _("Invalid value for {name}: {error}").format(
            name=parts["name"], error=error)
    if kind == "extra":
        return _("Got unexpected extra argument(s): {args}").format(args=parts["args"])
    if kind == "no command":
        text = _("No such command {name}").format(name=parts["name"])
        if parts["choices"]:
            text = _("{message}; did you mean {choices}?").format(
                message=text, choices=parts["choices"])
        return text
    if kind == "needs value":
        return _("Option {option} requires a value").format(option=parts["option"])
    if kind == "no value":
        return _("Option {option} does not take a value").format(option=parts["option"])
    return _("Missing command")
