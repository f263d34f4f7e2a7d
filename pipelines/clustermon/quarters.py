"""Calendar quarters as the programme reports them (`2025Q4`)."""

from datetime import date


def last_ended_quarter(day: date) -> str:
    """The newest quarter whose last day is before `day`: on 2026-01-15, `2025Q4`."""
    year, number = day.year, (day.month - 1) // 3 + 1
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"
