"""Questions for the peer review, generated from the brief's own numbers.

A peer-review meeting discusses what stands out; each rule below picks one kind of finding and
states it with the numbers behind it, so the region's managing authority can prepare an answer
and the peers can check the figures in the brief. The thresholds are conventions, named here
so a reader of the brief's method notes can see them.
"""

from __future__ import annotations

from collections.abc import Iterator

from clustermon.brief.data import Brief
from clustermon.brief.labels import label, number, percent, years

# Tukey's fences: a value more than 1.5 interquartile ranges beyond the nearer quartile is
# "far outside the middle half". Fewer than this many regions make no distribution to judge.
FENCE = 1.5
MIN_REGIONS = 4
# A package in use with at least this share of its rows quarantined is "heavily quarantined".
QUARANTINE_SHARE = 5.0


def questions(brief: Brief) -> list[str]:
    """Every question the brief's data raise, in the order of the brief's sections."""
    return [
        *_far_outside(brief),
        *_behind_target(brief),
        *_data_quality(brief),
        *_doubtful_pre_trends(brief),
    ]


def _far_outside(brief: Brief) -> Iterator[str]:
    for position in brief.positions:
        cell, indicator = position.cell, position.indicator
        if cell is None or cell.value is None or position.q1 is None:
            continue
        if len(position.values) < MIN_REGIONS:
            continue
        width = position.q3 - position.q1
        if width <= 0:
            continue
        if cell.value > position.q3 + FENCE * width:
            key = "question_far_above"
        elif cell.value < position.q1 - FENCE * width:
            key = "question_far_below"
        else:
            continue
        yield label(
            key,
            code=indicator.code,
            name=indicator.name,
            value=number(cell.value),
            unit=indicator.unit,
            quarter=brief.quarter,
            q1=number(position.q1),
            q3=number(position.q3),
            regions=len(position.values),
        )


def _behind_target(brief: Brief) -> Iterator[str]:
    for target in brief.targets:
        if not target.year_complete or target.share is None or target.share >= 100:
            continue
        yield label(
            "question_behind_target",
            kind=target.kind,
            code=target.indicator.code,
            name=target.indicator.name,
            year=target.year,
            target=number(target.target),
            unit=target.indicator.unit,
            achieved=number(target.achieved.value),
            quarter=target.achieved_quarter,
            share=percent(target.share),
            gap=number(target.gap),
        )


def _data_quality(brief: Brief) -> Iterator[str]:
    quality = brief.quality
    if quality.stale and quality.package_quarter is not None:
        yield label(
            "question_stale",
            package=quality.package_quarter,
            date=quality.reference_date.isoformat(),
            days=quality.days_stale,
            reporting=quality.reporting_quarter,
        )
    elif quality.stale:
        yield label("question_no_package", reporting=quality.reporting_quarter)
    read, quarantined = quality.rows_read, quality.rows_quarantined
    if read and quarantined is not None and 100 * quarantined / read >= QUARANTINE_SHARE:
        most = ""
        if quality.top_rule is not None:
            table, rule, rows = quality.top_rule
            most = label("question_quarantine_most", rule=rule, table=table, rows=number(rows))
        yield label(
            "question_quarantine",
            package=quality.package_quarter,
            read=number(read),
            quarantined=number(quarantined),
            share=percent(100 * quarantined / read),
            most=most,
        )
    for quarter, reason in quality.not_in_use:
        yield label("question_not_in_use", quarter=quarter, reason=reason.rstrip("."))


def _doubtful_pre_trends(brief: Brief) -> Iterator[str]:
    for estimate in brief.estimates:
        if not estimate.doubtful or estimate.p_value is None:
            continue
        yield label(
            "question_pre_trend",
            code=estimate.indicator.code,
            name=estimate.indicator.name,
            horizon=years(estimate.horizon),
            p=f"{estimate.p_value:.3f}",
        )
