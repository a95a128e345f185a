"""The segment options shared by list, export, campaign target and followups (one meaning
in each: crmctl.core.segments)."""

from __future__ import annotations

import typer

RegionOption = typer.Option(None, "--region", metavar="TEXT",
                            help="Only customers whose region starts with this "
                                 "(广东 finds 广东省, 广东深圳); Latin letters in any case.")
IndustryOption = typer.Option(None, "--industry", metavar="TEXT",
                              help="Only customers whose industry starts with this (制造 finds "
                                   "制造业).")
SizeOption = typer.Option(None, "--size", metavar="TEXT",
                          help="Only this company size, the whole value (any case).")
SpendMinOption = typer.Option(None, "--spend-min", metavar="AMOUNT",
                              help="12-month spend at least this (the currency setting, net "
                                   "of refunds), e.g. 10000.")
SpendMaxOption = typer.Option(None, "--spend-max", metavar="AMOUNT",
                              help="12-month spend at most this; 0 finds those who bought "
                                   "nothing in 12 months.")
SegmentOption = typer.Option(None, "--segment", metavar="NAME",
                             help="Only this RFM segment: champions, loyal, new, promising, "
                                  "at-risk, hibernating, no-purchases (or in Chinese: "
                                  "重要价值, 忠诚, 新客, 潜力, 流失风险, 沉睡, 未购买).")


def open_or_closed(all_: bool, closed: bool) -> str:
    """--all and --closed as Filter.closed: "all", "closed" or (neither) "open"."""
    return "all" if all_ else "closed" if closed else "open"
