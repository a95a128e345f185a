"""The words a person may type for an enumerated value, in English and Chinese.

One table for the command line, the Python API and import alike: ``TIERS.find("金牌客户")``
is ``"gold"``, ``TIERS.check(word)`` raises the one-line error that lists the words in both
languages. What is stored, and what JSON and CSV show, stays the English word.
"""

from __future__ import annotations

import re
import unicodedata

from crmctl.errors import InvalidValue
from crmctl.i18n import _, pgettext


def _key(text: str) -> str:
    """Full-width letters to ASCII (NFKC), case folded, inner spaces folded, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def noun(word: str) -> str:
    """A record kind, field or action named inside a message (``customer``, ``tier``,
    ``refunded``…) in the interface language; each is a literal here so the catalog test
    sees it. A word not listed stays as it is."""
    return {
        "customer": pgettext("noun", "customer"), "interaction": pgettext("noun", "interaction"),
        "purchase": pgettext("noun", "purchase"), "campaign": pgettext("noun", "campaign"),
        "follow-up": pgettext("noun", "follow-up"), "email": pgettext("noun", "email"),
        "phone": pgettext("noun", "phone"), "date": pgettext("noun", "date"),
        "time": pgettext("noun", "time"), "tier": pgettext("noun", "tier"),
        "tiers": pgettext("noun", "tiers"), "stage": pgettext("noun", "stage"),
        "stages": pgettext("noun", "stages"), "channel": pgettext("noun", "channel"),
        "channels": pgettext("noun", "channels"),
        "consent channel": pgettext("noun", "consent channel"),
        "direction": pgettext("noun", "direction"),
        "directions": pgettext("noun", "directions"),
        "complaint category": pgettext("noun", "complaint category"),
        "categories": pgettext("noun", "categories"),
        "edited": pgettext("noun", "edited"), "refunded": pgettext("noun", "refunded"),
    }.get(word, word)


class Words:
    """One enumerated value: its English words in order, each with the other words for it
    (the first of them is the Chinese word the error message shows)."""

    def __init__(self, what: str, plural: str, table: dict[str, tuple[str, ...]], *,
                 suffix: str | None = None, also: str = ""):
        self.what, self.plural = what, plural
        self.values = tuple(table)
        self._lookup: dict[str, str] = {}
        for value, others in table.items():
            for word in (value, *others):
                assert self._lookup.get(_key(word), value) == value, f"{word} names two {plural}"
                self._lookup[_key(word)] = value
        self._suffix = re.compile(f"(?:{suffix})$") if suffix else None
        self._listed, self._also = ", ".join(f"{v} {table[v][0]}" for v in table), also
        self.chinese = {v: others[0] for v, others in table.items() if others}

    @property
    def hint(self) -> str:
        """The words the error lists, and the other forms in the interface language."""
        also = _(" (also {also})").format(also=self._also) if self._also else ""
        return self._listed + also

    def find(self, text: str | None) -> str | None:
        """The English word for ``text``, or None when it is no word for this value."""
        key = _key(text or "")
        if key in self._lookup:
            return self._lookup[key]
        if self._suffix:
            return self._lookup.get(self._suffix.sub("", key).strip())
        return None

    def check(self, text: str | None) -> str:
        """The English word for ``text``; a clear error listing the words otherwise."""
        value = self.find(text)
        if value is None:
            raise InvalidValue(_("unknown {what} {text}; {plural}: {hint}").format(
                what=noun(self.what), text=repr(text), plural=noun(self.plural), hint=self.hint))
        return value


TIERS = Words("tier", "tiers", {
    "diamond": ("钻石", "platinum", "a"),
    "gold": ("金牌", "黄金", "金", "b"),
    "silver": ("银牌", "白银", "银", "c"),
    "regular": ("普通", "normal", "standard", "d"),
}, suffix=r"(?:类|级别|级)?\s*(?:客户|会员|卡)?", also="钻石客户…, A/B/C/D")

CHANNELS = Words("channel", "channels", {  # how an interaction happened
    "phone": ("电话", "手机", "打电话", "通话", "call"),
    "email": ("邮件", "电子邮件", "邮箱", "e-mail", "mail"),
    "meeting": ("会议", "开会", "会面"),
    "visit": ("拜访", "面谈", "上门", "走访", "面访"),
    "wechat": ("微信", "weixin"),
    "chat": ("聊天", "在线", "在线聊天", "qq"),
    "social": ("社交", "社交媒体", "微博"),
    "other": ("其他", "其它"),
})

CONSENT_CHANNELS = Words("consent channel", "channels", {
    "email": ("邮件", "电子邮件", "邮箱", "e-mail", "mail"),
    "phone": ("电话", "手机", "call"),
    "sms": ("短信", "短消息", "text"),
    "wechat": ("微信", "weixin"),
})

DIRECTIONS = Words("direction", "directions", {
    "in": ("呼入", "来电", "打入", "inbound"),
    "out": ("呼出", "去电", "外呼", "outbound"),
})

CATEGORIES = Words("complaint category", "categories", {
    "product": ("产品", "质量"),
    "service": ("服务",),
    "delivery": ("物流", "配送", "发货", "交付"),
    "billing": ("账单", "付款", "结算", "发票"),
    "other": ("其他", "其它"),
})

STAGES = Words("stage", "stages", {
    "prospect": ("潜在客户", "潜在"),
    "customer": ("新客户",),
    "repeat": ("复购客户", "复购", "回头客"),
    "loyal": ("忠诚客户", "忠诚", "老客户"),
    "churned": ("流失客户", "流失", "已流失"),
    "closed": ("已关闭", "关闭", "终止"),
})

# The RFM segments (core/reports.py): what --segment takes. The first Chinese word of each
# is what a Chinese table shows (the catalog's context "segment"; tests/test_segments.py
# keeps the two equal), so a word people see can be typed back.
SEGMENTS = Words("segment", "segments", {
    "champions": ("重要价值", "重要价值客户", "高价值客户", "冠军客户"),
    "loyal": ("忠诚", "忠诚客户", "重要保持客户"),
    "new": ("新客", "新晋客户", "新客户"),  # 新客户 alone is also the stage "customer"
    "promising": ("潜力", "潜力客户", "有潜力客户"),
    "at risk": ("流失风险", "流失风险客户", "重要挽留客户", "at-risk", "at_risk"),
    "hibernating": ("沉睡", "沉睡客户", "休眠客户", "休眠"),
    "no purchases": ("未购买", "未购买客户", "无购买", "no-purchases", "no_purchases",
                     "no purchase"),
})
