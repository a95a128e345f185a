"""A row's country cell → the region its phone numbers without a country code are read in.

Google (``Address 1 - Country``), Outlook (``Business Country/Region``…), Thunderbird
(``Work Country``…) and Chinese files (国家/地区) write the country as a name in the user's
language, sometimes as an ISO code. ``region_of`` takes an ISO 3166 alpha-2 code that
phonenumbers knows, a common alpha-3 code or alias (ALIASES), or a country's name in one of
LANGUAGES, as phonenumbers' own country-name data spells it (Germany, Deutschland, 德国,
United States, 美国…); anything else is None (the row is read in the default region).
"""

from __future__ import annotations

from functools import lru_cache

# Names phonenumbers' data does not spell this way (it has "United States", "China"…).
ALIASES = {
    "usa": "US", "u.s.a.": "US", "u.s.": "US", "united states of america": "US",
    "america": "US", "美利坚合众国": "US", "uk": "GB", "u.k.": "GB", "great britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "英国": "GB", "prc": "CN",
    "p.r. china": "CN", "p.r.c.": "CN", "people's republic of china": "CN",
    "mainland china": "CN", "china mainland": "CN", "中国大陆": "CN", "大陆": "CN", "内地": "CN",
    "中华人民共和国": "CN", "中國": "CN", "hong kong sar": "HK", "香港特别行政区": "HK",
    "中国香港": "HK", "macau sar": "MO", "中国澳门": "MO", "中国台湾": "TW", "台灣": "TW",
    "south korea": "KR", "korea": "KR", "republic of korea": "KR", "韩国": "KR",
    "russia": "RU", "holland": "NL", "the netherlands": "NL", "czech republic": "CZ",
    "viet nam": "VN", "uae": "AE", "澳门": "MO", "澳門": "MO", "德國": "DE", "美國": "US",
    "英國": "GB", "臺灣": "TW", "韓國": "KR", "法國": "FR", "新加坡": "SG",
    # alpha-3 codes of the commonest countries
    "chn": "CN", "deu": "DE", "gbr": "GB", "fra": "FR", "jpn": "JP", "kor": "KR", "hkg": "HK",
    "twn": "TW", "mac": "MO", "sgp": "SG", "can": "CA", "aus": "AU", "ita": "IT", "esp": "ES",
    "nld": "NL", "che": "CH", "aut": "AT", "rus": "RU", "ind": "IN", "bra": "BR", "mex": "MX",
}
# Languages whose country names phonenumbers' data carries and contact files are written in.
LANGUAGES = ("en", "zh", "de", "fr", "es", "it", "nl", "pt", "ja", "ko", "ru",
             "pl", "sv")


def key(name: str) -> str:
    return " ".join(name.split()).casefold()


@lru_cache(maxsize=4096)
def region_of(cell: str) -> str | None:
    """The phone region (DE) of a country cell (Germany, Deutschland, 德国, DE, DEU), or None."""
    name = key(cell)
    if not name:
        return None
    if len(name) == 2 and name.isascii() and name in _regions():
        return _regions()[name]
    return ALIASES.get(name) or _names().get(name)


@lru_cache(maxsize=1)
def _regions() -> dict[str, str]:
    import phonenumbers

    return {r.casefold(): r for r in phonenumbers.SUPPORTED_REGIONS}


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Country name (casefolded) → region, from phonenumbers' country-name data."""
    from phonenumbers.geodata.locale import LOCALE_DATA  # ~0.2 s: only for a country column

    regions = set(_regions().values())
    out: dict[str, str] = {}
    for region, names in LOCALE_DATA.items():
        if region not in regions:
            continue
        for language in LANGUAGES:
            name = names.get(language)
            for _ in range(3):  # "*aa": the same as that language's (WS has a loop)
                if name and name.startswith("*"):
                    name = names.get(name[1:])
            if name and not name.startswith("*"):
                out.setdefault(key(name), region)
    return out
