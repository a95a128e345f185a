"""The customer fields an import fills, in one list.

A validated row's values are a plain sequence in ``COLUMNS`` order (a tuple or list, so the
hot loops pay nothing for names); code reads a field through ``AT``: ``values[AT.email]``.
The INSERT and UPDATE statements (write.py) name their columns from the same list.
"""

from __future__ import annotations

from collections import namedtuple
from operator import itemgetter

from crmctl.core.search import SEARCHED_FIELDS

# The customer columns an import writes, in this order.
COLUMNS = ("name", "company", "title", "email", "phone", "wechat", "industry", "region",
           "company_size", "source", "note", "birthday", "tier", "birthday_lunar")
# A row validated with more than one phone or email (importing/multi.py) carries one more
# item after the COLUMNS, at EXTRA: (phone type, email type, ((kind, value, type)…), notes).
EXTRA = len(COLUMNS)
# Where each field sits in a row of values: AT.email == 3. Plain ints, as fast as a literal.
AT = namedtuple("FieldPositions", COLUMNS)(*range(len(COLUMNS)))
# A row of values → the values the search indexes hold, in crmctl.core.search's order.
searched_values = itemgetter(*(COLUMNS.index(f) for f in SEARCHED_FIELDS))
