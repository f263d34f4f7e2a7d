"""A brief as one self-contained HTML document (its stylesheet and SVG charts inline).

The same document is the site's HTML twin and, printed by Chromium, the PDF: the stylesheet's
print rules set the A4 page and keep tables' rows and each chart on one page. Every fixed word
comes from `labels`; the template only arranges them.
"""

from __future__ import annotations

import functools
from importlib import resources

import jinja2
from markupsafe import Markup

from clustermon.brief.charts import STRIP_WIDTH, distribution_charts
from clustermon.brief.data import HEADLINE, Brief, Cell, Estimate
from clustermon.brief.labels import (
    BAND_WORDS,
    label,
    number,
    percent,
    signed,
    years,
)
from clustermon.brief.questions import FENCE, MIN_REGIONS, QUARANTINE_SHARE, questions
from clustermon.contract.quarters import quarter_before
from clustermon.site.tables import SUPPRESSED_NOTE

TEMPLATES = resources.files("clustermon.brief") / "templates"


def cell_text(cell: Cell | None) -> Markup:
    """A value as the brief prints it: the number, "suppressed" or "not computed"."""
    if cell is None:
        return Markup('<span class="missing">{}</span>').format(label("not_computed"))
    if cell.value is None and cell.suppressed:
        return Markup('<span class="suppressed">{}</span>').format(label("suppressed"))
    return Markup("{}").format(number(cell.value))


def change_text(now: Cell | None, before: Cell | None) -> Markup:
    """The change between two cells; "suppressed" when either is, a dash when one is missing."""
    if now is None or before is None:
        return Markup('<span class="missing">{}</span>').format(label("no_value"))
    if now.value is None or before.value is None:
        if now.suppressed or before.suppressed:
            return Markup('<span class="suppressed">{}</span>').format(label("suppressed"))
        return Markup('<span class="missing">{}</span>').format(label("no_value"))
    return Markup("{}").format(signed(now.value - before.value))


def gap_text(gap: float) -> str:
    """What remains to reach a target, or by how much it was exceeded."""
    if gap > 0:
        return label("gap_to_go", gap=number(gap))
    return label("gap_reached", excess=number(-gap))


def estimate_text(estimate: Estimate) -> str:
    """An impact estimate in plain words: the effect, its interval and what the interval says."""
    horizon = years(estimate.horizon)
    if not estimate.estimable or estimate.estimate is None:
        return label("not_estimable", horizon=horizon)
    low, high = estimate.ci_low, estimate.ci_high
    if low is not None and low > 0:
        reading = label("interval_above")
    elif high is not None and high < 0:
        reading = label("interval_below")
    else:
        reading = label("interval_zero")
    return label(
        "estimate_words",
        horizon=horizon[:1].upper() + horizon[1:],
        estimate=f"{estimate.estimate:+.3f}",
        unit=estimate.indicator.unit,
        low=f"{low:+.3f}" if low is not None else label("no_value"),
        high=f"{high:+.3f}" if high is not None else label("no_value"),
        treated=number(estimate.n_treated),
        comparison=number(estimate.n_comparison),
        reading=reading,
    )


def pre_trend_text(estimate: Estimate) -> str:
    if estimate.p_value is None or estimate.doubtful is None:
        return label("pre_trend_unknown")
    key = "pre_trend_doubtful" if estimate.doubtful else "pre_trend_ok"
    return label(key, p=f"{estimate.p_value:.3f}")


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        label=label,
        number=number,
        percent=percent,
        signed=signed,
        cell_text=cell_text,
        change_text=change_text,
        gap_text=gap_text,
        estimate_text=estimate_text,
        pre_trend_text=pre_trend_text,
        band_words=BAND_WORDS,
    )
    environment.filters["quarter_before"] = quarter_before
    return environment.from_string((TEMPLATES / "brief.html").read_text(encoding="utf-8"))


def render_brief(brief: Brief, *, site_root: str | None = None, pdf: str | None = None) -> str:
    """The brief's HTML. `site_root` (relative, e.g. "../") links it to its region page on
    the site; `pdf` names its PDF beside it, where one is printed. Links are left out of print.
    """
    stylesheet = (TEMPLATES / "brief.css").read_text(encoding="utf-8")
    return _template().render(
        brief=brief,
        stylesheet=Markup(stylesheet),
        charts=distribution_charts(brief),
        strip_width=STRIP_WIDTH,
        questions=questions(brief),
        headline=[p for p in brief.positions if p.indicator.code in HEADLINE],
        impact_codes=list(dict.fromkeys(e.indicator.code for e in brief.estimates)),
        site_root=site_root,
        pdf=pdf,
        suppressed_note=SUPPRESSED_NOTE,
        fence=FENCE,
        min_regions=MIN_REGIONS,
        quarantine_share=percent(QUARANTINE_SHARE),
    )
