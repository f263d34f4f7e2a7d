"""Every fixed text of the brief, in English, in one place; and how numbers are written.

The template (templates/brief.html), the questions and the charts take their words from
`LABELS` only, by key, with `{placeholders}` filled by `label()`. To add a translation later:
write a module beside this one (e.g. `labels_de.py`) holding a dict with the same keys, and
have `label()` look a key up there first (a `language` setting chosen per programme), falling
back to English for a key not yet translated; `number()` and `percent()` then follow the
language's separators. Catalogue texts (indicator names, definitions) come from the published
catalogue and are translated there, not here.

The band words are the site's (`site.maps.BANDS`), so the brief, the region pages and the maps
say the same thing. No text here orders regions: a brief gives bands, never a position.
"""

from __future__ import annotations

from clustermon.site.maps import BANDS
from clustermon.site.tables import NO_VALUE, SUPPRESSED, format_value

LABELS: dict[str, str] = {
    # The document
    "title": "Benchmarking brief: {region}",
    "subtitle": "Quarter {quarter}, for the peer review of managing authorities",
    "built_from": "Built from publication {publication} of the published warehouse (published "
    "{published_at}). Organisations are never named: the published warehouse holds none.",
    "not_a_league_table": "Regions are compared for learning: each indicator places {region} "
    "in a band of the distribution of all regions' published values. No other region is "
    "named, and regions are never put in order.",
    "site_links": "Region page",
    "pdf_link": "PDF (A4)",
    "pdf_missing": "No PDF in this publication (Chromium was not available to print it).",
    # 1. At a glance
    "glance": "1. The region at a glance",
    "region": "Region",
    "programme": "Programme",
    "programme_text": "cluster programme of {region}: indicators from {first} (its programme "
    "start) to {last}",
    "package": "Package in use",
    "package_text": "{quarter}, reference date {date}",
    "no_package": "none accepted yet",
    "status": "Data-quality status",
    "up_to_date": "up to date for {reporting}",
    "stale": "stale: {days} days older than the reporting quarter {reporting}",
    "stale_no_package": "stale: no package for the reporting quarter {reporting}",
    "rows": "Rows of the package in use",
    "rows_text": "{read} read, {quarantined} quarantined ({share}%)",
    "rows_unknown": "not reported",
    "not_in_use": "Packages not in use",
    "not_in_use_text": "{quarter}: {reason}",
    "headline_caption": "Headline indicators in {quarter} and their change",
    "indicator": "Indicator",
    "value": "Value",
    "unit": "Unit",
    "previous_quarter": "Previous quarter ({quarter})",
    "year_before": "A year before ({quarter})",
    "change": "Change",
    # 2. Bands
    "bands": "2. Each indicator among all regions",
    "bands_intro": "The band says where the value of {region} in {quarter} lies in the "
    "distribution of all regions' published values of the same indicator: {bands}. A value "
    "equal to a quartile belongs to the band below it.",
    "bands_caption": "Value in {quarter} and band among all regions",
    "code": "Code",
    "band": "Band",
    "regions_with_value": "Regions with a value",
    "no_band": NO_VALUE,
    "not_computed": "not computed",
    "chart_title": "{level} indicators in {quarter}: all regions' values",
    "chart_legend": "Each row is one indicator on its own scale. Grey dots: the published "
    "values of all regions (none named); blue box: the middle half (lower to upper quartile); "
    "dark line: the median; red diamond: {region}; a darker dot: regions with the same value. "
    "A suppressed value is not drawn.",
    "chart_label": "{level} indicators: the distribution of all regions' values, with "
    "{region} marked; the values and bands are in the table above",
    "chart_subject": "{region}",
    "strip_label": "{code}: the values of {n} regions in {quarter}",
    "level_output": "Output",
    "level_result": "Result",
    "level_impact": "Impact",
    # 3. Targets
    "targets": "3. Targets and milestones",
    "targets_none": "The programme set no target or milestone for {region}.",
    "targets_caption": "Targets and milestones against the value achieved",
    "year": "Year",
    "kind": "Kind",
    "target": "Target",
    "achieved": "Achieved (quarter)",
    "share_achieved": "Share achieved",
    "gap": "Gap to the target",
    "achieved_text": "{value} ({quarter})",
    "gap_to_go": "{gap} to go",
    "gap_reached": "reached, {excess} beyond",
    "not_yet": "nothing computed yet",
    "year_open": "year not complete",
    # 4. Revisions
    "revisions": "4. Revisions since the previous package",
    "revisions_none": "The package in use changed no published value against the previous "
    "package, or there is no previous package.",
    "revisions_intro": "The package in use ({package}) restates the region's history; against "
    "the previous package ({previous}) it changed {cells} published values, {totals} of them "
    "headline values.",
    "revisions_caption": "Headline values revised, by indicator",
    "quarters_revised": "Quarters revised",
    "largest_change": "Largest change",
    "largest_text": "{quarter}: {previous} to {value} ({change})",
    "withheld_text": "{withheld} withheld (suppressed)",
    # 5. Impact
    "impact": "5. Impact estimates",
    "impact_none": "No impact estimate is published for {region}.",
    "impact_intro": "The effect of cluster membership on member enterprises, 1 to 3 years "
    "after they joined, estimated against comparison enterprises of the same region, NACE "
    "section and size class that never joined. It assumes that without membership members "
    "would have developed like their comparison firms (parallel trends) and did not change "
    "before joining because they were going to join (no anticipation). The 95% interval is "
    "the range of effects the data are consistent with.",
    "estimate_words": "{horizon} after joining: {estimate} {unit} (95% interval {low} to "
    "{high}; {treated} members, {comparison} comparison enterprises). {reading}",
    "years_1": "1 year",
    "years_n": "{horizon} years",
    "interval_above": "The whole interval lies above zero: an effect is likely positive.",
    "interval_below": "The whole interval lies below zero: an effect is likely negative.",
    "interval_zero": "The interval includes zero: the data are also consistent with no effect.",
    "not_estimable": "{horizon} after joining: not estimable (fewer than 5 member or 5 "
    "comparison enterprises).",
    "pre_trend_doubtful": "Pre-trend: doubtful (p = {p}). Members already developed "
    "differently before joining, so the parallel-trends assumption is in question; read this "
    "estimate with care.",
    "pre_trend_ok": "Pre-trend: no sign of a different development before joining (p = {p}).",
    "pre_trend_unknown": "Pre-trend: not checkable (no placebo estimable).",
    # 6. Questions
    "questions": "6. Questions for the peer review",
    "questions_intro": "Generated from the figures of this brief; each states the numbers "
    "behind it.",
    "questions_none": "The figures raise no question by the rules of this brief (a value far "
    "outside the middle half, a target missed, a stale or heavily quarantined package, a "
    "doubtful pre-trend).",
    "question_far_above": "{code} {name} is {value} {unit} in {quarter}, far above the middle "
    "half of the {regions} regions' values ({q1} to {q3} {unit}). What explains the "
    "difference, and what could the other regions learn from it?",
    "question_far_below": "{code} {name} is {value} {unit} in {quarter}, far below the middle "
    "half of the {regions} regions' values ({q1} to {q3} {unit}). What explains the "
    "difference, and what would help the region catch up?",
    "question_behind_target": "The {kind} for {code} {name} in {year} was {target} {unit}; "
    "{achieved} {unit} were achieved by {quarter} ({share}%), {gap} {unit} short. What stood "
    "in the way, and is the next target still within reach?",
    "question_stale": "The package in use is for {package} (reference date {date}), {days} "
    "days older than the reporting quarter {reporting}. When will a newer package come, and "
    "what delays it?",
    "question_no_package": "No package is in use for the reporting quarter {reporting}. What "
    "keeps the region from reporting?",
    "question_quarantine": "Of the {read} rows of the package in use ({package}), {quarantined} "
    "({share}%) were quarantined{most}. What keeps these records from passing the contract's "
    "rules?",
    "question_quarantine_most": ", most under the rule {rule} of {table} ({rows} rows)",
    "question_not_in_use": "The package for {quarter} is not in use: {reason}. When will a "
    "corrected package be sent?",
    "question_pre_trend": "The estimate of {code} {name} {horizon} after joining has a doubtful "
    "pre-trend (p = {p}): members developed differently from their comparison firms before "
    "joining. Were members selected for their prospects, or did they prepare for joining?",
    # 7. Definitions and method notes
    "definitions": "7. Definitions and method notes",
    "definitions_caption": "The indicator catalogue",
    "name": "Name",
    "kind_column": "Kind",
    "definition": "Definition",
    "eu_code": "EU code",
    "method_bands": "Bands: the quartiles are taken over the regions with a published value "
    "of the indicator in the quarter (linear interpolation); suppressed values are left out.",
    "method_questions": "Questions: a value is far outside the middle half when it lies more "
    "than {fence} times the interquartile range beyond the nearer quartile, among at least "
    "{min_regions} regions; a target or milestone is missed when its year's last quarter is "
    "computed and less than 100% was achieved; a package is heavily quarantined from {share}% "
    "of its rows.",
    "method_suppression": "Suppression: a cell that counts or sums over fewer enterprises than "
    "the programme's confidentiality threshold is published as suppressed, with no value; "
    "it is {note}. Where the cells of a breakdown add up to a published total, a further cell "
    "is suppressed so that none can be worked out by subtraction, and revisions beside a "
    "suppressed cell are withheld. In {quarter}, {suppressed} of the region's {cells} "
    "published cells are suppressed.",
    "method_impact": "Impact method: {method}",
    "suppressed": SUPPRESSED,
    "no_value": NO_VALUE,
}

# The band words, as the site says them; a translation maps each to its own words.
BAND_WORDS: dict[str, str] = {band: band for band in BANDS}


def label(key: str, **values: object) -> str:
    """The text of `key` with its placeholders filled."""
    return LABELS[key].format(**values) if values else LABELS[key]


def number(value: float | int | None) -> str:
    """A value as the site writes it (whole numbers without decimals, else two)."""
    if value is None:
        return NO_VALUE

    def refuse(message: str) -> ValueError:
        return ValueError(message)

    return format_value(value, None, refuse)


def signed(value: float | None) -> str:
    """A change, with its sign."""
    if value is None:
        return NO_VALUE
    text = number(abs(value))
    return f"+{text}" if value > 0 else (f"\N{MINUS SIGN}{text}" if value < 0 else text)


def percent(value: float) -> str:
    return f"{value:.1f}"


def years(horizon: int) -> str:
    """ "1 year", "2 years": how long after joining an estimate looks."""
    return label("years_1") if horizon == 1 else label("years_n", horizon=horizon)
