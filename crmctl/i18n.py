"""The interface language: English, or Chinese (zh_CN) when the environment asks for it.

The rule (PRODUCT.md, "Language"): ``CRMCTL_LANG`` if set, else the first of ``LC_ALL``,
``LC_MESSAGES``, ``LANG`` that is set (the POSIX order); a value starting with ``zh`` means
zh_CN, anything else English. Texts for people (table headers, words in table cells,
messages) are looked up in the gettext catalog ``crmctl/locale/<lang>/LC_MESSAGES/crmctl.mo``,
compiled from its ``.po`` when the package is built or installed (setup.py); JSON keys and the
enumerated values of JSON and CSV never go through here (scripts depend on them).

A leaf module: gettext is in the standard library and is imported only when the language
is not English, so an English run pays nothing.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "crmctl"
_CHINESE = "zh_CN"


_english_only = 0  # > 0 inside ``english()``


@contextmanager
def english():
    """English within the block whatever the environment: for texts that land in a file or
    in JSON (the reasons of import's rejects file and ``rejected_by_reason``), which scripts
    read. A forked process started inside the block inherits it."""
    global _english_only
    _english_only += 1
    try:
        yield
    finally:
        _english_only -= 1


def language() -> str | None:
    """``"zh_CN"`` when the environment asks for Chinese, else None (English)."""
    if _english_only:
        return None
    chosen = os.environ.get("CRMCTL_LANG")
    if not chosen:
        chosen = next((os.environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG")
                       if os.environ.get(name)), "")
    return _CHINESE if chosen.lower().startswith("zh") else None


@lru_cache(maxsize=2)
def _catalog(lang: str | None):
    if lang is None:
        return None
    import gettext

    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the interface language (itself in English or when untranslated)."""
    catalog = _catalog(language())
    return message if catalog is None else catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the interface language."""
    catalog = _catalog(language())
    if catalog is None:
        return singular if n == 1 else plural
    return catalog.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in a context (``column``: a table header; ``tier``, ``reason``…: a word in
    a table cell), so the same English word may have a different Chinese one per context."""
    catalog = _catalog(language())
    return message if catalog is None else catalog.pgettext(context, message)


def is_english() -> bool:
    return language() is None
