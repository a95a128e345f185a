"""Reading vCard files for import: each card becomes a row under fixed headers.

A file is a vCard file by its content (``BEGIN:VCARD`` after an optional BOM and white
space), whatever its name; a directory means its ``*.vcf`` files, in name order. Each card
becomes one row of ``HEADERS``, imported under the ``vcard`` layout of mapping.py, so the
rest of the pipeline (validation, dedupe, --dry-run, --rejects, --on-duplicate, --tag) is
the CSV one. vobject parses a card at a time: a card it cannot read becomes a row with its
reason in the ``error`` cell, which the validation refuses (it goes to the rejects file).

What a card gives: the name (N's family + given without a space for a Chinese name whose
FN holds the same characters, so 欧阳;娜娜 and an FN "娜娜 欧阳" are 欧阳娜娜; otherwise FN,
else N composed), ORG's first part, TITLE, the primary TEL (one marked preferred, then a CELL,
then any that is not a fax or pager), every TEL and EMAIL with its TYPE, the primary EMAIL (preferred, else the
first), BDAY (year-less ``--MMDD``/``--MM-DD``, Apple's X-APPLE-OMIT-YEAR), NOTE,
CATEGORIES (tags) and X-WECHAT / IMPP weixin: (wechat).

Text: UTF-16 (with or without a BOM), UTF-8 (BOM or not), or vCard 2.1's raw bytes in the
CHARSET each line names (Outlook: gb2312, windows-1252); lines naming none are read in the
charset most of the file names, else as charset-normalizer guesses. Quoted-printable values
are decoded by vobject in their CHARSET; gb2312 and gbk are read as their superset GB18030.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from crmctl.core.importing import guard, mapping
from crmctl.core.importing.read import SAMPLE, Source
from crmctl.errors import InvalidValue, NotFound
from crmctl.i18n import _

HEADERS = ["card", "FN", "ORG", "TITLE", "TEL", "EMAIL", "BDAY", "NOTE", "CATEGORIES",
           "X-WECHAT", "error", "TELS", "EMAILS"]
# TELS/EMAILS: every TEL and EMAIL as "type:value; …" (importing/multi.py reads them; TEL and
# EMAIL hold the one chosen as the primary)
_AT = {h: i for i, h in enumerate(HEADERS)}
_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*begin:vcard\s*$", re.IGNORECASE | re.MULTILINE)
_BEGIN, _END = "BEGIN:VCARD", "END:VCARD"
_CHARSET = re.compile(r"(;\s*charset\s*=\s*)([^;:]+)", re.IGNORECASE)
_GB = {"gb2312": "GB18030", "gbk": "GB18030", "cp936": "GB18030", "x-gbk": "GB18030"}
_CJK_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff·]+")
_NOT_PHONES = {"FAX", "PAGER", "MODEM", "TEXTPHONE"}
_NEWLINE = re.compile(r"\r\n|\r|\n")
_WECHAT = ("weixin:", "wechat:", "wxid:")


def is_vcard(path: Path) -> bool:
    """A directory (of .vcf files), or a file whose text starts with BEGIN:VCARD."""
    try:
        if path.is_dir():
            return True
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False  # read.open_source says what is wrong with it
    encoding = _utf16(head)
    if encoding:
        head = head[: len(head) // 2 * 2].decode(encoding, "ignore").encode("utf-8")
    return _START.match(head.lstrip(b"\xef\xbb\xbf \t\r\n")) is not None


def _utf16(head: bytes) -> str | None:
    """utf-16 for a BOM; utf-16-le/-be for ASCII text every other byte of which is NUL."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:16]  # "BEGIN:VC", or the start of any ASCII text
    if len(sample) >= 8 and not any(sample[1::2]):
        return "utf-16-le"
    if len(sample) >= 8 and not any(sample[0::2]):
        return "utf-16-be"
    return None


@contextmanager
def open_vcards(path: Path, encoding: str = "auto", max_cell: int = guard.MAX_CELL):
    """A read.Source of one row per card of ``path`` (a file or a directory of .vcf files)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".vcf" and p.is_file())
        if not files:
            raise InvalidValue(_("{path} is a directory without .vcf files; import reads a "
                                 "CSV, xlsx or vCard file, or a directory of .vcf files"
                                 ).format(path=path))
    elif not path.exists():
        raise NotFound(_("no file {path}").format(path=path))
    else:
        files = [path]
    size = sum(p.stat().st_size for p in files)
    done = [0]
    texts = [(p, *_decoded_lines(p, encoding)) for p in files]
    used = Counter(enc for _path, enc, _lines in texts).most_common(1)[0][0]
    rows = _rows(texts, path.is_dir(), max_cell, done)
    yield Source(list(HEADERS), rows, used, size, lambda: done[0], layout="vcard")


# --- text ------------------------------------------------------------------------------------

def _codec(name: str) -> str | None:
    name = _GB.get(name.strip().strip('"').lower(), name.strip().strip('"'))
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def _decoded_lines(path: Path, encoding: str) -> tuple[str, Iterator[str]]:
    """(the encoding used, the file's lines as text)."""
    data = path.read_bytes()
    if encoding not in ("auto", "", None):
        chosen = _codec(encoding)
        if chosen is None:
            raise InvalidValue(_("unknown encoding {name}").format(name=repr(encoding)))
        return chosen, _whole(path, data, chosen)
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", _whole(path, data, "utf-8-sig")
    wide = _utf16(data[:SAMPLE])
    if wide:
        return wide, _whole(path, data, wide)
    try:
        return "utf-8", _split(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    fallback = _file_charset(data)
    return fallback, (_line_text(line, fallback) for line in data.splitlines())


def _whole(path: Path, data: bytes, encoding: str) -> Iterator[str]:
    try:
        return _split(data.decode(encoding).lstrip("\ufeff"))
    except UnicodeDecodeError as exc:
        raise InvalidValue(_("{path} is not valid {encoding} text ({reason}); check "
                             "--encoding").format(path=path, encoding=encoding,
                                                  reason=exc.reason)) from None


def _split(text: str) -> Iterator[str]:
    """Lines end at CR, LF or CRLF only (not at the other breaks str.splitlines knows)."""
    return iter(_NEWLINE.split(text))


def _file_charset(data: bytes) -> str:
    """The charset for 8-bit lines that name none: the one most lines name, else a guess."""
    named = Counter(c for c in map(_codec, (m.group(2).decode("ascii", "replace") for m in
                    re.finditer(rb"(;\s*charset\s*=\s*)([^;:\r\n]+)", data, re.IGNORECASE)))
                    if c)
    if named:
        return named.most_common(1)[0][0]
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:SAMPLE]).best()
    return _codec(best.encoding) if best is not None and _codec(best.encoding) else "cp1252"


def _line_text(line: bytes, fallback: str) -> str:
    """One line of a vCard 2.1 file in the CHARSET its property names (else ``fallback``)."""
    if line.isascii():
        return line.decode("ascii")
    head = line.split(b":", 1)[0] if b":" in line else b""
    m = re.search(rb";\s*charset\s*=\s*([^;:]+)", head, re.IGNORECASE)
    charset = (_codec(m.group(1).decode("ascii", "replace")) if m else None) or fallback
    return line.decode(charset, "replace")


# --- cards -----------------------------------------------------------------------------------

def _cards(lines: Iterator[str]) -> Iterator[tuple[int, str | None]]:
    """(line number of BEGIN, the card's text, or None when it is not closed)."""
    depth, start, buf = 0, 0, []
    for number, line in enumerate(lines, 1):
        word = line.strip().upper()
        if depth == 0:
            if word == _BEGIN:
                depth, start, buf = 1, number, [_BEGIN]
            continue
        if word == _BEGIN:  # a vCard 2.1 AGENT holds a card of its own
            depth += 1
        elif word == _END:
            depth -= 1
        buf.append(_END if word == _END and depth == 0 else _gb_params(line))
        if depth == 0:
            yield start, "\r\n".join(buf) + "\r\n"
    if depth:
        yield start, None


def _gb_params(line: str) -> str:
    """CHARSET=gb2312 (or gbk) read as GB18030: Outlook names gb2312 for any GBK text."""
    if ":" not in line or "charset" not in line.lower():
        return line
    head, value = line.split(":", 1)
    head = _CHARSET.sub(lambda m: m.group(1) + (_GB.get(m.group(2).strip().lower())
                                                 or m.group(2)), head)
    return f"{head}:{value}"


def _rows(texts, from_dir: bool, max_cell: int, done: list):
    n = 0
    for path, _encoding, lines in texts:
        for line, text in _cards(lines):
            n += 1
            where = f"{path.name} line {line}" if from_dir else f"line {line}"
            cells = [""] * len(HEADERS)
            cells[_AT["card"]] = where
            if text is None:
                cells[_AT["error"]] = f"the card at {where} has no END:VCARD"
            elif len(text) > guard.MAX_LINE:
                cells[_AT["error"]] = (f"the card at {where} is longer than "
                                       f"{guard.MAX_LINE:,} characters")
            else:
                _fill(cells, text, where)
            if any(len(c) > max_cell for c in cells):
                cells = [c[:max_cell] for c in cells]
                cells[_AT["error"]] = f"a value longer than {max_cell:,} characters"
            done[0] = n
            yield n, cells


def _fill(cells: list[str], text: str, where: str) -> None:
    import vobject

    try:
        card = vobject.readOne(text, allowQP=True)
        children = [c for c in card.getChildren() if not c.name.startswith("X-AB")]
    except Exception as exc:  # noqa: BLE001 - any failure of the parser refuses this card
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        cells[_AT["error"]] = f"cannot read the card at {where}: {reason}"
        return
    by: dict[str, list] = {}
    for child in children:
        by.setdefault(child.name.upper(), []).append(child)
    cells[_AT["FN"]] = name_of(_text(by, "FN"), by.get("N", [None])[0])
    org = _first(by, "ORG")
    cells[_AT["ORG"]] = _part(org.value[0] if isinstance(org.value, list) and org.value
                              else org.value) if org else ""
    cells[_AT["TITLE"]] = _text(by, "TITLE")
    cells[_AT["TEL"]] = _primary_phone(by.get("TEL", []))
    email = _pick(by.get("EMAIL", []))
    cells[_AT["EMAIL"]] = _strip_scheme(_part(email.value), "mailto:") if email else ""
    cells[_AT["TELS"]] = _every(by.get("TEL", []), "tel:")
    cells[_AT["EMAILS"]] = _every(by.get("EMAIL", []), "mailto:")
    cells[_AT["BDAY"]] = birthday_of(_first(by, "BDAY"))
    cells[_AT["NOTE"]] = _text(by, "NOTE")
    cells[_AT["CATEGORIES"]] = ",".join(t for c in by.get("CATEGORIES", [])
                                        for t in _list(c.value) if t.strip())
    cells[_AT["X-WECHAT"]] = _wechat(by)


def _first(by: dict, name: str):
    return by.get(name, [None])[0]


def _part(value) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(_part(v) for v in value if _part(v))
    return "" if value is None else str(value).strip()


def _list(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _text(by: dict, name: str) -> str:
    child = _first(by, name)
    return _part(child.value) if child is not None else ""


def name_of(fn: str, n) -> str:
    """The customer's name from FN and N (see the module's docstring)."""
    family = given = middle = ""
    if n is not None and hasattr(n.value, "family"):
        family, given, middle = (_part(n.value.family), _part(n.value.given),
                                 _part(n.value.additional))
    elif n is not None:  # N not understood as a structured name
        family = _part(n.value)
    composed = mapping.compose_name(given, middle, family)
    if _CJK_NAME.fullmatch(family + middle + given or "-"):
        bare = "".join(fn.split())
        if not fn or (_CJK_NAME.fullmatch(bare) and sorted(bare) == sorted(composed)):
            return composed
    return fn or composed


def _types(child) -> set[str]:
    """TYPE values in any of the versions' spellings: TYPE=CELL,VOICE, TYPE="cell,voice",
    a 2.1 bare CELL; PREF=1 (4.0) counts as PREF."""
    out = {t.strip().strip('"').upper() for v in child.params.get("TYPE", [])
           for t in str(v).split(",")}
    out |= {str(s).upper() for s in getattr(child, "singletonparams", [])}
    if child.params.get("PREF"):
        out.add("PREF")
    return out


def _pick(children: list):
    """The one marked preferred, else the first."""
    for child in children:
        if "PREF" in _types(child) and _part(child.value):
            return child
    return next((c for c in children if _part(c.value)), None)


def _primary_phone(tels: list) -> str:
    """The number marked preferred (crmctl's own export marks its primary so), then a
    mobile (a preferred one among several), then the first; faxes, pagers and modems are
    never the customer's phone."""
    usable = [t for t in tels if _part(t.value) and not _types(t) & _NOT_PHONES]
    cells = [t for t in usable if {"CELL", "MOBILE"} & _types(t)]
    preferred = next((t for t in usable if "PREF" in _types(t)), None)
    chosen = preferred or _pick(cells) or _pick(usable)
    return _strip_scheme(_part(chosen.value), "tel:") if chosen else ""


_TYPE_OF = (("FAX", "fax"), ("CELL", "mobile"), ("MOBILE", "mobile"), ("IPHONE", "mobile"),
            ("WORK", "work"), ("HOME", "home"), ("PAGER", "other"), ("OTHER", "other"))


def _every(children: list, scheme: str) -> str:
    """Every TEL (or EMAIL) as "type:value; …" (a value without a type word: bare)."""
    out = []
    for child in children:
        value = _strip_scheme(_part(child.value), scheme).replace(";", ",")
        if not value:
            continue
        types = _types(child)
        typ = next((t for word, t in _TYPE_OF if word in types), None)
        if typ == "mobile" and scheme == "mailto:":
            typ = None
        out.append(f"{typ}:{value}" if typ else value)
    return "; ".join(out)


def _strip_scheme(value: str, scheme: str) -> str:
    return value[len(scheme):] if value.lower().startswith(scheme) else value


_YEARLESS = re.compile(r"--(\d{2})-?(\d{2})")
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?")


def birthday_of(child) -> str:
    """BDAY as YYYY-MM-DD or --MM-DD (what the import's birthday reader takes); an unknown
    shape is passed on as written (and refused there with the reason)."""
    if child is None:
        return ""
    value = _part(child.value)
    m = _YEARLESS.fullmatch(value)
    if m:
        return f"--{m.group(1)}-{m.group(2)}"
    m = _DATE.fullmatch(value)
    if not m:
        return value
    omit = child.params.get("X-APPLE-OMIT-YEAR", [None])[0]  # Apple: 1604-03-12, no year
    if omit and str(omit).strip() == m.group(1):
        return f"--{m.group(2)}-{m.group(3)}"
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"


def _wechat(by: dict) -> str:
    for name in ("X-WECHAT", "X-WEIXIN"):
        if _text(by, name):
            return _text(by, name)
    for impp in by.get("IMPP", []) + by.get("X-SOCIALPROFILE", []):
        value = _part(impp.value)
        service = " ".join(map(str, impp.params.get("X-SERVICE-TYPE", []) +
                               impp.params.get("TYPE", []))).lower()
        for scheme in _WECHAT:
            if value.lower().startswith(scheme):
                return value[len(scheme):]
        if "wechat" in service or "weixin" in service or "微信" in service:
            return value.split(":", 2)[-1] if value.lower().startswith("x-apple:") else value
    return ""
