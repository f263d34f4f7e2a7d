"""Every indicator of docs/spec/indicators.md (except IMP01-IMP04) on a hand-made inbox.

Fixture tests/fixtures/indicators, refreshed once through the real pipeline:

- DE21 (Oberbayern), programme start s = 2024-07-01, packages 2024Q4 and 2025Q1. The
  calendar is 2024Q3 (d = 2024-09-30), 2024Q4 (d = 2024-12-31), 2025Q1 (d = 2025-03-31),
  all computed from the newest package, 2025Q1.
- AT13 (Wien), programme start 2024-10-01, one package, 2024Q4: a small second region for the
  benchmarks, shares over empty denominators, and a quarter it did not send.

The suppression threshold is the default, 3. Expected values are worked out by hand below
from the spec and the fixture's CSV files. The fixture is small, so secondary suppression
(spec 1.1) withholds several of them: WITHHELD lists those, and their values are checked in
the working warehouse, where the published file holds only the flag.

DE21's register (package 2025Q1), in short:
  clusters   K1 founded 2015, gold label valid to 2026-12-31; K2 founded 2024-08-01, silver
             valid to 2024-12-31 (expires); K3 bronze, closed_on 2025-03-31 (= d of 2025Q1);
             K4 label none.
  members    K1: E1, E2 (left_on 2024-12-31 = d of 2024Q4), E3 (from 2024-08-01), E4, E7, U1,
             P1; K4: E1 (in two clusters), E5 (from 2024-11-01), R1, I1 (left 2025-02-01),
             E6 (from 2025-01-15).
  sizes      micro E1 E6, small E2 E4, medium E3, large E7, unknown E5; X1 comparison group.
  projects   PR1 collaborative_rdi running from 2024-09-15, cost 400k, public 300k: E1 (grant
             100k), E3 (50k), U1 (100k), P1 (0) through K1, F1 (France, outside partner);
             PR2 collaborative_rdi completed from 2025-01-10, cost 200k, public 100k: E4 (60k),
             E5 (no grant) through K4, E7 (grant 0) through K1, F2 (Italian research
             institution, outside, no NUTS code);
             PR3 started 2024-05-01, before s: E2; PR4 cancelled: E6;
             PR6 other, from 2025-03-31, public 0: E6 through K4, G1 (Berlin, outside);
             PR7 collaborative_rdi from 2025-02-01, public 0: R1 alone.
  services   SV1 E1 2024-07-15 non_financial; SV2 E2 2024-06-30 (before s); SV3 E6 2024-12-31
             grant 5000; SV4 E7 2025-02-20 non_financial; SV5 E5 2025-01-20
             financial_instrument 20000.21; SV6 U1 (a university); SV8 E5 2025-03-01
             non_financial; SV9 E4 2024-10-20 non_financial.
  supported  first support: E1 2024-07-15, E3 2024-09-15, E4 2024-10-20, E6 2024-12-31,
             E5 and E7 2025-01-10 (PR2). E2 never (service and project before s).
"""

import re

import pytest

from clustermon.home import DBT_PROJECT_DIR
from conftest import home_with_fixture, query, run_refresh

DE, AT = "DE21", "AT13"


@pytest.fixture(scope="module")
def indicators_home(tmp_path_factory: pytest.TempPathFactory):
    paths = home_with_fixture(tmp_path_factory.mktemp("indicators"), "indicators")
    assert run_refresh(paths), "the refresh of the indicators fixture failed"
    return paths


@pytest.fixture(scope="module")
def computed(indicators_home) -> dict:
    """The working warehouse's values of the packages in use, suppressed or not."""
    rows = query(
        indicators_home.warehouse,
        "SELECT region_code, quarter, indicator_code, breakdown, value "
        "FROM intermediate.int_indicator_cells_suppressed WHERE package_id IN "
        "(SELECT package_id FROM intermediate.int_packages_in_scope WHERE in_use)",
    )
    return {(r, q, code, cell): value for r, q, code, cell, value in rows}


@pytest.fixture(scope="module")
def published(indicators_home) -> dict:
    rows = query(
        indicators_home.published_warehouse,
        "SELECT region_code, quarter, indicator_code, breakdown, value, value_in_quarter, "
        "suppressed FROM indicator_values",
    )
    return {(r, q, code, cell): (v, viq, s) for r, q, code, cell, v, viq, s in rows}


SUPPRESSED = "suppressed"
# (region, quarter, indicator, breakdown) -> value, or SUPPRESSED (null value, suppressed).
VALUES = {
    # OUT01 active clusters, founded_on <= d < closed_on.
    # 2024Q3: K1, K2 (founded 2024-08-01), K3, K4 = 4. 2025Q1: K3 closed on d -> K1 K2 K4 = 3.
    (DE, "2024Q3", "OUT01", "total"): 4,
    (DE, "2025Q1", "OUT01", "total"): 3,
    # OUT02 members on d. 2024Q4: E2's spell ends 2024-12-31 = d, so not covered: E1 (once,
    # though in K1 and K4) E3 E4 E7 E5 U1 P1 R1 I1 = 9.
    (DE, "2024Q4", "OUT02", "total"): 9,
    (DE, "2024Q4", "OUT02", "kind=enterprise"): 5,
    # 2025Q1: I1 left, E6 joined: E1 E3 E4 E7 E5 E6 U1 P1 R1 = 9; 6 enterprises, the unknown
    # size class (E5) has 1 enterprise: suppressed. (Both quarters' totals and enterprises are
    # withheld: see WITHHELD.)
    (DE, "2025Q1", "OUT02", "total"): 9,
    (DE, "2025Q1", "OUT02", "kind=enterprise"): 6,
    (DE, "2025Q1", "OUT02", "kind=intermediary"): 0,
    (DE, "2025Q1", "OUT02", "size_class=unknown"): SUPPRESSED,
    (AT, "2024Q4", "OUT02", "kind=enterprise"): 3,
    # RCO01 supported enterprises by first support date <= d.
    # 2024Q3: E1, E3 = 2 < 3: suppressed (the headline itself).
    (DE, "2024Q3", "RCO01", "total"): SUPPRESSED,
    # 2024Q4: E1 E3 E4 E6 = 4 (E2 only before s, E6's PR4 is cancelled). micro E1 E6 = 2.
    (DE, "2024Q4", "RCO01", "total"): 4,
    (DE, "2024Q4", "RCO01", "size_class=micro"): SUPPRESSED,
    (DE, "2024Q4", "RCO01", "size_class=large"): 0,
    # 2025Q1: + E5 E7 (PR2 from 2025-01-10, public funding > 0) = 6; E5 is of unknown size.
    (DE, "2025Q1", "RCO01", "total"): 6,
    (DE, "2025Q1", "RCO01", "size_class=unknown"): SUPPRESSED,
    # RCO02 grants: E1 E3 (PR1 grants), E6 (SV3 grant 5000) by 2024Q4 = 3; + E4 (PR2 grant
    # 60000) = 4 in 2025Q1. E5 has a financial instrument and no grant_eur, E7 grant_eur 0.
    (DE, "2024Q4", "RCO02", "total"): 3,
    (DE, "2025Q1", "RCO02", "total"): 4,
    # RCO04 non-financial services in period: E1 (SV1), E4 (SV9) by 2024Q4 = 2: suppressed;
    # + E7 (SV4), E5 (SV8) = 4 in 2025Q1. E2's SV2 precedes s; U1 is not an enterprise.
    (DE, "2024Q4", "RCO04", "total"): SUPPRESSED,
    (DE, "2025Q1", "RCO04", "total"): 4,
    # RCO07: U1 in PR1 (collaborative_rdi, 5 organisations) = 1. R1 is alone in PR7; F2 is
    # an outside partner, never counted itself.
    (DE, "2025Q1", "RCO07", "total"): 1,
    # RCO10: PR1 has U1 -> E1, E3; PR2 has F2 (outside, counts as partner) -> E4, E5, E7 = 5.
    # 2024Q4: only PR1 -> 2: suppressed.
    (DE, "2024Q4", "RCO10", "total"): SUPPRESSED,
    (DE, "2025Q1", "RCO10", "total"): 5,
    # RCO87: PR1 (DE, FR) -> E1 E3 U1 P1; PR2 (DE, IT: two countries) -> E4 E5 E7 = 7.
    # PR6 (DE only, Berlin partner) and PR7 add none; F1 and F2 are outside partners.
    (DE, "2024Q4", "RCO87", "total"): 4,
    (DE, "2025Q1", "RCO87", "total"): 7,
    # RCR02: (400k - 300k) PR1 + (200k - 100k) PR2 = 200k; PR6 and PR7 have no public
    # funding, PR3 precedes s, PR4 is cancelled.
    (DE, "2024Q4", "RCR02", "total"): 100_000,
    (DE, "2025Q1", "RCR02", "total"): 200_000,
    # RCR03 supported SMEs with product/process innovation on/after first support:
    # OC1 E1 2024-10-05; OC5 E6 2025-01-05; OC3 E4 2025-02-01 = 3 in 2025Q1. OC2 E3
    # 2024-08-20 precedes E3's first support (2024-09-15); OC4 E5 is of unknown size (not an
    # SME). 2024Q4: E1 alone: suppressed.
    (DE, "2024Q4", "RCR03", "total"): SUPPRESSED,
    (DE, "2025Q1", "RCR03", "total"): 3,
    # RCR04 marketing/organisational: OC7 E1, OC8 E4, OC9 E6 = 3; OC6 E7 is large.
    (DE, "2025Q1", "RCR04", "total"): 3,
    # RCR06 patents: OC10 E3 via PR1 (after its start), quantity 2; OC12 E6 via support,
    # quantity empty = 1 -> 3. OC11 E2 (never supported), OC13 E2 via cancelled PR4, OC14 U1
    # reported before PR1 started: not attributable. 2024Q4: OC10 only = 2.
    (DE, "2024Q4", "RCR06", "total"): 2,
    (DE, "2025Q1", "RCR06", "total"): 3,
    # RCR07: OC15 E1 trademark 1 + OC16 E4 design 2 = 3.
    (DE, "2025Q1", "RCR07", "total"): 3,
    # RCR08 publications through a project: OC17 U1 PR1 4 + OC19 R1 PR7 2 = 6; OC18 E1 is
    # attributable through support only.
    (DE, "2025Q1", "RCR08", "total"): 6,
    # RES01-RES04 over the projects in period in 2025Q1: PR1, PR2, PR6, PR7 = 4.
    # RES01 cross-cluster: PR2 (lead K4, E7 through K1) = 1/4.
    (DE, "2025Q1", "RES01", "total"): 100 * 1 / 4,
    # RES02 cross-sector: PR1 (C, J, C), PR2 (M, C, C) = 2/4; PR6 has F only (E6 has no NACE).
    (DE, "2025Q1", "RES02", "total"): 100 * 2 / 4,
    # RES03 triple helix: PR1 (E1, U1, P1) = 1/4.
    (DE, "2025Q1", "RES03", "total"): 100 * 1 / 4,
    # RES04 interregional: PR1 (F1 in FR101), PR2 (F2 no NUTS, country IT), PR6 (G1 in DE300)
    # = 3/4; PR7's R1 has no NUTS code and is German.
    (DE, "2025Q1", "RES04", "total"): 100 * 3 / 4,
    # 2024Q4: PR1 alone (PR4 cancelled): cross-cluster 0/1.
    (DE, "2024Q4", "RES01", "total"): 0,
    (DE, "2024Q4", "RES03", "total"): 100,
    # AT13 has no project: shares over an empty denominator are null, not 0.
    (AT, "2024Q4", "RES01", "total"): None,
    (AT, "2024Q4", "RES04", "total"): None,
    # RES05 members a year before d still members on d.
    # 2025Q1: on 2024-03-31 E1 E2 E4 E7 U1 P1 R1 I1 = 8; on 2025-03-31 E2 and I1 gone: 6/8.
    (DE, "2025Q1", "RES05", "total"): 100 * 6 / 8,
    # 2024Q4: on 2023-12-31 the same 8; on 2024-12-31 E2 is gone (left_on = d): 7/8.
    (DE, "2024Q4", "RES05", "total"): 100 * 7 / 8,
    # AT13: every member joined in 2024, nobody was a member on 2023-12-31: null.
    (AT, "2024Q4", "RES05", "total"): None,
    # RES06 active clusters with a valid bronze/silver/gold label on d.
    # 2024Q4: K1 gold, K2 silver (valid to 2024-12-31 = d, inclusive), K3 bronze = 3.
    (DE, "2024Q4", "RES06", "total"): 3,
    (DE, "2024Q4", "RES06", "label=silver"): 1,
    # 2025Q1: K2's label expired, K3 closed: K1 gold = 1.
    (DE, "2025Q1", "RES06", "total"): 1,
    (DE, "2025Q1", "RES06", "label=silver"): 0,
    (DE, "2025Q1", "RES06", "label=gold"): 1,
    # RCR01/RCR19/RCR25 from firm_kpis. d = 2025-03-31 -> Y <= 2024. First support in 2024
    # gives B = 2023 for E1, E3, E4, E6; E5 and E7 (first support 2025, B = 2024) have no Y.
    # RCR01 = max(0, 8-5) E1 + max(0, 90-100) E3 + max(0, 25-20) E4 + max(0, 4.1-1.2) E6
    #       = 3 + 0 + 5 + 2.9 = 10.9 FTE, summed over 4 enterprises (>= 3: published).
    (DE, "2025Q1", "RCR01", "total"): 10.9,
    # RCR19 turnover up: E1 600k > 500k, E4 2.5M > 2M, E6 150k > 100k = 3 (E3 fell; E2 and the
    # comparison firm X1 grew but were never supported).
    (DE, "2025Q1", "RCR19", "total"): 3,
    # RCR25 SMEs with value added per FTE up: E1 40k -> 50k, E3 50k -> 51.1k, E4 50k -> 60k
    # = 3; E6 has no value added in 2024.
    (DE, "2025Q1", "RCR25", "total"): 3,
    # 2024Q4 (d = 2024-12-31, Y = 2024 has ended): the same 10.9 and 3.
    (DE, "2024Q4", "RCR01", "total"): 10.9,
    # 2024Q3 (d = 2024-09-30): Y <= 2023 = B: nobody has a year after B: zeros, published.
    (DE, "2024Q3", "RCR01", "total"): 0,
    (DE, "2024Q3", "RCR19", "total"): 0,
}

# (region, quarter, indicator, breakdown) -> (value, value_in_quarter) for in-quarter flows.
FLOWS = {
    # OUT03 projects in period; in-quarter [max(s, first day of Q), d].
    # 2024Q3: PR1 (2024-09-15) in [2024-07-01, 2024-09-30]: 1 and 1.
    (DE, "2024Q3", "OUT03", "total"): (1, 1),
    (DE, "2024Q4", "OUT03", "total"): (1, 0),
    # 2025Q1: PR1 PR2 PR6 PR7 = 4; in the quarter PR2, PR6 (starts on d), PR7 = 3.
    (DE, "2025Q1", "OUT03", "total"): (4, 3),
    (DE, "2025Q1", "OUT03", "project_type=collaborative_rdi"): (3, 2),
    (DE, "2025Q1", "OUT03", "project_type=other"): (1, 1),
    (DE, "2025Q1", "OUT03", "project_type=innovation_service"): (0, 0),
    # OUT04 events since s: EV2 (2024-09-10, international), EV3 (2024-11-05), EV4
    # (2025-02-15, international); EV1 (2024-06-15) precedes s.
    (DE, "2024Q4", "OUT04", "total"): (2, 1),
    (DE, "2024Q4", "OUT04", "of_which=international"): (1, 0),
    (DE, "2025Q1", "OUT04", "total"): (3, 1),
    (DE, "2025Q1", "OUT04", "of_which=international"): (2, 1),
    # OUT05 participants: 100 + 20 + 12 = 132, in 2025Q1 12; SME 40 + 0 (EV3 has none) + 8.
    (DE, "2024Q4", "OUT05", "total"): (120, 20),
    (DE, "2024Q4", "OUT05", "of_which=sme"): (40, 0),
    (DE, "2025Q1", "OUT05", "total"): (132, 12),
    (DE, "2025Q1", "OUT05", "of_which=sme"): (48, 8),
    # OUT06 public funding of projects in period + grant and financial_instrument services:
    # 2024Q4: PR1 300k + SV3 5000 = 305k; in the quarter SV3 = 5000.
    # 2025Q1: + PR2 100k + PR6 0 + PR7 0 + SV5 20000.21 = 425000.21; in the quarter 120000.21.
    # Compared exactly: summed as doubles, 100000 + 20000.21 would give 120000.20999999999.
    (DE, "2024Q4", "OUT06", "total"): (305_000, 5_000),
    (DE, "2025Q1", "OUT06", "total"): (425_000.21, 120_000.21),
    (AT, "2024Q4", "OUT06", "total"): (0, 0),
}


# Cells withheld by secondary suppression (spec 1.1): hand values above, published suppressed.
WITHHELD = {
    # OUT02 enterprises by size class, 2024Q4: E1 micro, E4 small, E3 medium, E7 large, E5
    # unknown, 1 each: all suppressed and none above 3, so their total kind=enterprise (5) is
    # withheld; by kind U1 P1 R1 I1 are 1 each, none above 3, so OUT02's total (9) is too.
    (DE, "2024Q4", "OUT02", "total"),
    (DE, "2024Q4", "OUT02", "kind=enterprise"),
    # 2025Q1: micro 2 (E1 E6) and 1 in each other size class: likewise, 6 and 9 withheld.
    (DE, "2025Q1", "OUT02", "total"),
    (DE, "2025Q1", "OUT02", "kind=enterprise"),
    # AT13: A1 small, A2 micro, A3 medium: enterprises (3) withheld, then the total (A4 alone
    # is a university).
    (AT, "2024Q4", "OUT02", "kind=enterprise"),
    # RCO01 2024Q4: micro 2, small 1, medium 1, none above 3: the total (4) is withheld.
    (DE, "2024Q4", "RCO01", "total"),
    # 2025Q1: micro 2, small 1, medium 1, large 1, unknown 1: the total (6) is withheld.
    (DE, "2025Q1", "RCO01", "total"),
}


def _cell_id(value) -> str:
    return "-".join(map(str, value)) if isinstance(value, tuple) else str(value)


@pytest.mark.parametrize(("cell", "expected"), VALUES.items(), ids=_cell_id)
def test_indicator_value_matches_hand_computation(published, computed, cell, expected):
    value, _, suppressed = published[cell]
    if cell in WITHHELD:
        assert suppressed is True and value is None
        assert computed[cell] == pytest.approx(expected)
    elif expected == SUPPRESSED:
        assert suppressed is True and value is None
    elif expected is None:
        assert suppressed is False and value is None
    else:
        assert suppressed is False and value == pytest.approx(expected)


@pytest.mark.parametrize(("cell", "expected"), FLOWS.items(), ids=_cell_id)
def test_in_quarter_flow_matches_hand_computation(published, cell, expected):
    value, value_in_quarter, suppressed = published[cell]
    assert suppressed is False
    assert (value, value_in_quarter) == expected


def test_every_catalogue_code_is_tested_by_hand():
    codes = {code for _, _, code, _ in VALUES} | {code for _, _, code, _ in FLOWS}
    catalogue = DBT_PROJECT_DIR / "seeds" / "indicator_definitions.csv"
    listed = {line.split(",")[0] for line in catalogue.read_text().splitlines()[1:]}
    assert codes == {code for code in listed if not code.startswith("IMP")}


def test_sums_of_decimals_are_exact(published):
    # Summed as doubles, 3 + 0 + 5 + (4.1 - 1.2) is 10.899999999999999 in any order; at scale
    # the order varies between builds, so a cumulative value could seem to fall (the gate
    # blocks that). Sums are of exact decimals, like the figures in the packages.
    assert published[(DE, "2025Q1", "RCR01", "total")][0] == 10.9
    # OUT06's 100000 + 20000.21, likewise (see FLOWS).
    assert published[(DE, "2025Q1", "OUT06", "total")][1] == 120_000.21


def test_stocks_and_shares_have_no_in_quarter_value(published):
    assert published[(DE, "2025Q1", "OUT02", "total")][1] is None
    assert published[(DE, "2025Q1", "RCO01", "total")][1] is None


def test_every_cell_is_present_for_every_region_and_quarter(published):
    cells = {(code, cell) for _, _, code, cell in published}
    quarters = {(region, quarter) for region, quarter, _, _ in published}
    # DE21: 2024Q3 .. 2025Q1; AT13: 2024Q4 only (its newest package).
    assert quarters == {(DE, "2024Q3"), (DE, "2024Q4"), (DE, "2025Q1"), (AT, "2024Q4")}
    assert len(published) == len(quarters) * len(cells)
    # 1 + 11 (OUT02) + 6 (RCO01) + 8 (OUT03) + 2 (OUT04) + 2 (OUT05) + 4 (RES06) + 21 headlines
    assert len(cells) == 55


def test_targets_against_achieved_values(indicators_home):
    rows = query(
        indicators_home.published_warehouse,
        "SELECT region_code, indicator_code, year, target_kind, target_value, achieved_quarter,"
        " achieved_value, achieved_suppressed, share_achieved FROM indicator_targets",
    )
    assert sorted(rows) == sorted(
        [
            # AT13's newest quarter up to 2025Q4 is 2024Q4: its 4 members are withheld (see
            # WITHHELD), so no share either.
            (AT, "OUT02", 2025, "target", 8, "2024Q4", None, True, None),
            # Nothing is computed up to 2023Q4 (the calendar starts 2024Q3).
            (DE, "OUT01", 2023, "milestone", 2, None, None, False, None),
            # RCO01's totals in 2024Q4 (4) and 2025Q1 (6) are withheld (see WITHHELD).
            (DE, "RCO01", 2024, "milestone", 3, "2024Q4", None, True, None),
            (DE, "RCO01", 2025, "target", 12, "2025Q1", None, True, None),
            # 2025Q4 is not reported yet: the newest quarter, 2025Q1, 4 grants of 8 = 50 %.
            (DE, "RCO02", 2025, "target", 8, "2025Q1", 4, False, 100 * 4 / 8),
            # RCO04 in 2024Q4 counts 2 enterprises: suppressed, so no share either.
            (DE, "RCO04", 2024, "milestone", 4, "2024Q4", None, True, None),
        ]
    )


def test_benchmarks_show_the_distribution_without_ranks(indicators_home):
    database = indicators_home.published_warehouse
    columns = [
        name
        for (name,) in query(
            database,
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'indicator_benchmarks'",
        )
    ]
    assert not [c for c in columns if "rank" in c]
    rows = query(
        database,
        "SELECT region_code, indicator_code, normalisation, region_value, n_regions, min_value, "
        "lower_quartile, median_value, upper_quartile, max_value FROM indicator_benchmarks "
        "WHERE quarter = '2024Q4' AND indicator_code IN ('OUT01', 'RCO02', 'RCO04', 'RES05')",
    )
    got = {(r, code, norm): tuple(rest) for r, code, norm, *rest in rows}
    # OUT01 in 2024Q4: DE21 4, AT13 1. Quartiles interpolate between the two: 1 + 0.25 * 3.
    assert got[(DE, "OUT01", "none")] == (4, 2, 1, 1.75, 2.5, 3.25, 4)
    assert got[(AT, "OUT01", "none")][0] == 1
    # OUT01 is a size: it has no per-enterprise or per-cluster form.
    assert (DE, "OUT01", "per_cluster") not in got
    # Per 100 member enterprises: both regions' member enterprises are withheld (see
    # WITHHELD), so no region has the form and DE21's 3 grants / 5 stay hidden.
    assert got[(DE, "RCO02", "per_100_member_enterprises")] == (None, 0, *[None] * 5)
    # RCO02 per cluster: DE21 3 / 4 = 0.75, AT13 0 / 1 = 0; quartiles interpolate.
    assert got[(DE, "RCO02", "per_cluster")] == (0.75, 2, 0, 0.1875, 0.375, 0.5625, 0.75)
    # DE21's RCO04 (2 enterprises) is suppressed: left out of the distribution, in every form.
    assert got[(DE, "RCO04", "none")] == (None, 1, 0, 0, 0, 0, 0)
    assert got[(DE, "RCO04", "per_cluster")][0] is None
    # RES05 is a share: compared as it is; AT13's is null (nobody to retain).
    assert got[(DE, "RES05", "none")] == (87.5, 1, 87.5, 87.5, 87.5, 87.5, 87.5)
    assert (DE, "RES05", "per_cluster") not in got


def test_revisions_against_the_previous_package(indicators_home):
    rows = query(
        indicators_home.published_warehouse,
        "SELECT region_code, quarter, indicator_code, breakdown, previous_package_quarter, "
        "package_quarter, previous_value, value, previous_value_in_quarter, value_in_quarter, "
        "suppressed FROM indicator_revisions",
    )
    # The 2025Q1 package registers E5's membership from 2024-11-01 late and corrects EV3's
    # attendance from 25 to 20. In 2024Q4: OUT02 total 8 -> 9, enterprises 4 -> 5, unknown
    # size 0 -> 1; OUT05 125 -> 120 (in the quarter 25 -> 20). 2024Q3 is unchanged (E5
    # joined and EV3 was held later). OUT02 has suppressed cells in both packages (total and
    # enterprises withheld in each, see WITHHELD), so no previous value of OUT02 is shown:
    # 0 for unknown beside 8 and 4 would give the package in use's hidden cells bounds.
    withheld = (None, None, None, None, True)
    assert sorted(rows) == [
        (DE, "2024Q4", "OUT02", "kind=enterprise", "2024Q4", "2025Q1", *withheld),
        (DE, "2024Q4", "OUT02", "size_class=unknown", "2024Q4", "2025Q1", *withheld),
        (DE, "2024Q4", "OUT02", "total", "2024Q4", "2025Q1", *withheld),
        (DE, "2024Q4", "OUT05", "total", "2024Q4", "2025Q1", 125, 120, 25, 20, False),
    ]


def test_data_quality_per_region_and_quarter(indicators_home):
    rows = query(
        indicators_home.published_warehouse,
        "SELECT region_code, quarter, package_received, package_in_use_quarter, days_stale, "
        "stale, rows_read, rows_loaded, rows_quarantined, revised_values FROM data_quality",
    )
    assert sorted(rows) == [
        # AT13 sent 2024Q4 (9 rows: 1 cluster, 4 organisations, 4 memberships) but not 2025Q1,
        # the programme's current quarter: its package is 90 days old (2025-03-31 - 2024-12-31).
        # It has no previous package, so nothing can be revised.
        (AT, "2024Q4", True, "2024Q4", 0, False, 9, 9, 0, None),
        (AT, "2025Q1", False, "2024Q4", 90, True, None, None, None, None),
        # DE21's calendar starts at 2024Q3, for which no package came.
        (DE, "2024Q3", False, None, None, True, None, None, None, 0),
        # Package 2024Q4: 4 + 15 + 10 + 3 + 7 + 5 + 3 + 4 + 15 data rows (clusters,
        # organisations, memberships, projects, participations, services, events, outcomes,
        # firm_kpis) = 66; 4 of its values were revised (test above).
        (DE, "2024Q4", True, "2024Q4", 0, False, 66, 66, 0, 4),
        # Package 2025Q1: 4 + 15 + 12 + 6 + 14 + 8 + 4 + 19 + 15 = 97; newest, not revised yet.
        (DE, "2025Q1", True, "2025Q1", 0, False, 97, 97, 0, None),
    ]
    # No row broke a rule, so nothing is listed by rule.
    assert query(indicators_home.published_warehouse, "SELECT * FROM data_quality_quarantine") == []


def test_completeness_of_optional_fields(indicators_home):
    rows = query(
        indicators_home.published_warehouse,
        "SELECT region_code, quarter, table_name, column_name, rows_applicable, rows_filled, "
        "share_filled FROM data_quality_completeness WHERE quarter = '2025Q1' "
        "AND column_name IN ('nace_code', 'participants_sme', 'value_added_eur')",
    )
    assert sorted(rows) == [
        # EV3 has no SME count: 3 of 4 events.
        (DE, "2025Q1", "events", "participants_sme", 4, 3, 75.0),
        # value_added_eur missing for E6's 2024 row: 14 of 15.
        (DE, "2025Q1", "firm_kpis", "value_added_eur", 15, 14, pytest.approx(100 * 14 / 15)),
        # Enterprises E1-E7, F1, G1, X1 = 10; E6 has no NACE code: 9 of 10.
        (DE, "2025Q1", "organisations", "nace_code", 10, 9, 90.0),
    ]


def test_organisation_names_never_reach_the_published_file(indicators_home):
    names = set()
    for organisations in indicators_home.inbox.glob("*/*/organisations.csv"):
        names |= {line.split(",")[1] for line in organisations.read_text().splitlines()[1:]}
    assert len(names) == 19
    published = indicators_home.published_warehouse.read_bytes()
    assert not [name for name in names if name.encode() in published]


def test_every_published_table_and_column_is_documented(indicators_home):
    tables = query(
        indicators_home.published_warehouse,
        "SELECT table_name, comment FROM duckdb_tables() ORDER BY table_name",
    )
    assert [name for name, _ in tables] == [
        "data_quality",
        "data_quality_completeness",
        "data_quality_quarantine",
        "data_quality_rejections",
        "impact_estimates",
        "indicator_benchmarks",
        "indicator_catalog",
        "indicator_revisions",
        "indicator_targets",
        "indicator_values",
        "region_staleness",
    ]
    assert all(comment for _, comment in tables)
    undocumented = query(
        indicators_home.published_warehouse,
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE NOT internal AND comment IS NULL",
    )
    assert undocumented == []


def test_dbt_docs_are_published_and_work_offline(indicators_home):
    from playwright.sync_api import sync_playwright

    docs = indicators_home.published / "dbt-docs" / "index.html"
    requested = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            # Every request that is not the file itself is recorded and refused: offline.
            page.route(
                re.compile(r"^(?!file:).*"),
                lambda route: (requested.append(route.request.url), route.abort()),
            )
            page.goto(docs.as_uri() + "#!/model/model.clustermon.indicator_values")
            page.get_by_text(
                "Indicators per region, quarter and breakdown cell", exact=False
            ).first.wait_for()
            body = page.inner_text("body")
        finally:
            browser.close()
    assert "indicator_values" in body
    assert "value_in_quarter" in body
    assert requested == []
