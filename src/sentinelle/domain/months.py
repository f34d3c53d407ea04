"""Months, the time key of every analytical table: ``YYYY-MM`` strings outside, pandas monthly
periods inside."""

from __future__ import annotations

import re

import pandas as pd

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthError(ValueError):
    pass


def parse_month(text: str) -> pd.Period:
    """``"2016-01"`` → ``Period('2016-01', 'M')``; anything else is refused with a clear message."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not int(match.group(1)) >= 1:
        raise MonthError(f"{text!r} is not a month; expected YYYY-MM, e.g. 2016-01")
    try:
        return pd.Period(text.strip(), freq="M")
    except ValueError:
        raise MonthError(f"{text!r} is not a month pandas can represent") from None


def parse_month_range(text: str) -> tuple[pd.Period, pd.Period]:
    """``"2016-01:2018-12"`` → (first, last), inclusive."""
    if ":" not in text:
        month = parse_month(text)
        return month, month
    start, end = text.split(":", 1)
    first, last = parse_month(start), parse_month(end)
    if last < first:
        raise MonthError(f"{text!r}: the range ends before it starts")
    return first, last


def month_range(first: pd.Period, last: pd.Period) -> pd.PeriodIndex:
    return pd.period_range(first, last, freq="M")
