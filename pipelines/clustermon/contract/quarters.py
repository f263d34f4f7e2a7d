"""Calendar quarters as the programme reports them (`2025Q4`), and region codes."""

import re
from datetime import date

# Matched whole (fullmatch): `$` alone would let a trailing line feed through.
REGION_CODE = re.compile(r"[A-Z]{2}[A-Z0-9]{0,3}")
QUARTER_CODE = re.compile(r"(\d{4})[Qq]([1-4])")


def last_ended_quarter(day: date) -> str:
    """The newest quarter whose last day is before `day`: on 2026-01-15, `2025Q4`."""
    year, number = day.year, (day.month - 1) // 3 + 1
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


def quarter_end(quarter: str) -> date:
    """The reference date of a quarter code such as `2025Q4` (its last day)."""
    match = QUARTER_CODE.fullmatch(quarter)
    if not match:
        raise ValueError(f"not a quarter code (YYYYQN): {quarter!r}")
    year, number = int(match.group(1)), int(match.group(2))
    month = 3 * number
    return date(year, month, 31 if month in (3, 12) else 30)


def normalise_quarter(quarter: str) -> str:
    """`2025q4` -> `2025Q4`; raises ValueError for anything that is not a quarter code."""
    quarter_end(quarter)
    return quarter.upper()


def quarter_before(quarter: str, quarters: int = 1) -> str:
    """The quarter `quarters` before a quarter code: `2025Q1` and 1 -> `2024Q4`."""
    end = quarter_end(quarter)
    index = end.year * 4 + (end.month // 3 - 1) - quarters
    return f"{index // 4}Q{index % 4 + 1}"
