"""Which legacy code page a contact file is in when charset-normalizer is unsure, and which
encoding its --rejects file is written in.

charset-normalizer ranks the code pages a file decodes in by how odd the text looks; for a
short Western file many tie (an Outlook CSV in Windows-1252 with ``José Núñez`` scores the
same as cp1250, cp1257 and cp775, and cp775 reads it as ``Josķ N·±ez``). A contact file
comes from Excel, Outlook or a phone on Windows far more often than from DOS, so among the
guesses that look about as good as the best one, the common Windows code pages win, in the
order of ``COMMON``.
"""

from __future__ import annotations

import codecs

# Most common first: Western Windows, Chinese, Japanese, Korean, then the other Windows pages.
COMMON = ("cp1252", "gb18030", "gbk", "big5", "cp932", "shift_jis", "cp949", "euc_kr",
          "cp1251", "cp1250", "cp1253", "cp1254", "cp1257", "cp1255", "cp1256", "cp1258",
          "cp874")
# Guesses whose oddness (charset-normalizer's "chaos", 0..1) is within this of the best one
# are as good as the best for our purpose.
UNSURE = 0.1
_RARE = len(COMMON)


def guesses(head: bytes) -> list[str]:
    """The encodings charset-normalizer finds for ``head``, best first, the common Windows
    code pages ahead of rare ones among the near-best."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(head))
    if not matches:
        return []
    floor = min(m.chaos for m in matches)
    ranked = []
    for m in matches:
        names = [codecs.lookup(n).name for n in (m.encoding, *m.could_be_from_charset)]
        common = min((COMMON.index(n) for n in names if n in COMMON), default=_RARE)
        name = COMMON[common] if common < _RARE else names[0]
        ranked.append((m.chaos > floor + UNSURE, common, m.chaos, name))
    ranked.sort()
    return list(dict.fromkeys(name for *_, name in ranked))


def for_rejects(source_encoding: str) -> str:
    """The encoding of the rejects file, so that Excel opens it as the source was opened:
    Unicode sources (UTF-8, UTF-16, an xlsx) and GB18030/GBK (Excel on Chinese Windows reads
    UTF-8 correctly only behind a BOM) get UTF-8 with a BOM, UTF-16 keeps UTF-16 (with its
    BOM); another legacy code page (cp1252, big5, shift_jis…) stays that code page, which
    is what Excel assumes for a CSV without a BOM on that system."""
    name = codecs.lookup(source_encoding).name if source_encoding != "xlsx" else "utf-8"
    if name.startswith("utf-16"):
        return "utf-16"
    if name.startswith("utf") or name in ("gb18030", "gbk", "gb2312", "ascii"):
        return "utf-8-sig"
    return name


def instead_of_gb18030(head: bytes) -> list[str]:
    """Big5 or Shift-JIS (cp932) when a file that decodes as GB18030 reads as nonsense there.

    GB18030 takes nearly any byte sequence, so a Big5 (Taiwan, Hong Kong) or Shift-JIS
    (Japan) file without a BOM decodes "fine" as garbage. Chinese text in GBK is mostly
    GB2312 hanzi and punctuation (lead byte 0xA1-0xA3 or 0xB0-0xF7); Big5 and Shift-JIS text
    read as GBK is mostly not (their lead and trail bytes fall in GBK's extension areas or in
    GB2312's kana, Greek and empty rows). When fewer than half the non-ASCII characters are
    plausible, the candidates are cp932 first if its reading has kana, then big5, then cp932.
    """
    text = head.decode("gb18030", "ignore")
    wide = [c for c in text if ord(c) > 0x7F]
    if len(wide) < 4 or sum(map(_plausible_gb, wide)) * 2 >= len(wide):
        return []
    japanese = head.decode("cp932", "ignore")
    kana = sum("\u3040" <= c <= "\u30ff" for c in japanese)
    return ["cp932", "big5"] if kana * 10 >= len(wide) else ["big5", "cp932"]


def _plausible_gb(char: str) -> bool:
    try:
        lead = char.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return 0xA1 <= lead <= 0xA3 or 0xB0 <= lead <= 0xF7
