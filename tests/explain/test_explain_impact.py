"""`clustermon explain IMP01 AT12 --horizon 1` on the demo: the cohort-stratum cells add up
to the published estimate, and one cell's counts and mean long differences are worked out
here from the firm-year panel."""

import csv
import math

import pytest

from clustermon.frontends.cli import main
from clustermon.home import Paths
from conftest import query


@pytest.fixture(scope="module")
def cells(demo_home: Paths, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    table = tmp_path_factory.mktemp("impact") / "cells.csv"
    arguments = ["explain", "IMP01", "AT12", "--horizon", "1", "--csv", str(table)]
    assert main([*arguments, "--home", str(demo_home.home)]) == 0
    with table.open(newline="") as file:
        return list(csv.DictReader(file))


@pytest.mark.slow
def test_the_cells_add_up_to_the_published_estimate(demo_home: Paths, cells: list[dict]) -> None:
    ((estimate, n_treated),) = query(
        demo_home.published_warehouse,
        "SELECT estimate, n_treated FROM impact_estimates "
        "WHERE region_code = 'AT12' AND indicator_code = 'IMP01' AND horizon = 1",
    )
    treated = sum(int(cell["n_treated"]) for cell in cells)
    weighted = sum(int(cell["n_treated"]) * float(cell["difference"]) for cell in cells)
    assert treated == n_treated
    assert weighted / treated == pytest.approx(estimate, abs=1e-12)


@pytest.mark.slow
def test_a_cell_worked_out_from_the_panel(demo_home: Paths, cells: list[dict]) -> None:
    cell = max(cells, key=lambda c: int(c["n_treated"]))
    cohort = int(cell["cohort"])
    # log(employees_fte) one year after joining minus the year before, for the stratum's
    # members of that cohort and its comparison firms, with both years.
    by_group = query(
        demo_home.warehouse,
        """
        WITH years AS (
            SELECT organisation_id, comparison_group, cohort, year, ln(employees_fte) AS outcome
            FROM intermediate.int_firm_years_assembled
            WHERE region_code = 'AT12' AND nace_section = ? AND size_class = ?
                AND employees_fte > 0 AND (comparison_group OR cohort = ?)
        )
        SELECT before.comparison_group, count(*), avg(after.outcome - before.outcome)
        FROM years AS before JOIN years AS after USING (organisation_id)
        WHERE before.year = ? - 1 AND after.year = ? + 1
        GROUP BY ALL
        """,
        [cell["nace_section"], cell["size_class"], cohort, cohort, cohort],
    )
    worked = {comparison: (n, mean) for comparison, n, mean in by_group}
    assert worked[False][0] == int(cell["n_treated"])
    assert worked[True][0] == int(cell["n_comparison"])
    assert math.isclose(worked[False][1], float(cell["mean_treated"]), abs_tol=1e-12)
    assert math.isclose(worked[True][1], float(cell["mean_comparison"]), abs_tol=1e-12)
