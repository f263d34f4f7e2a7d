"""`clustermon explain --against-previous` on the hand-made revision of conftest.py: the units
that entered or left a cell, and the addends that changed, exactly those the edits made."""

import csv
from pathlib import Path

import pytest

from clustermon.frontends.cli import main
from clustermon.home import Paths
from conftest import query


def _revision(
    home: Paths, tmp_path: Path, capsys: pytest.CaptureFixture, cell: list[str]
) -> tuple[str, dict[str, set[tuple[str, str, str]]]]:
    """The printed revision of a cell, and its table's (unit, previous, current addend) by
    change."""
    table = tmp_path / "revision.csv"
    code = main(
        ["explain", *cell, "--against-previous", "--home", str(home.home), "--csv", str(table)]
    )
    assert code == 0
    changes: dict[str, set[tuple[str, str, str]]] = {"entered": set(), "left": set()}
    changes["changed"] = set()
    with table.open(newline="") as file:
        for row in csv.DictReader(file):
            changes[row["change"]].add((row["unit_id"], row["previous_addend"], row["addend"]))
    return capsys.readouterr().out, changes


@pytest.mark.parametrize(
    ("breakdown", "entered", "left"),
    [
        # On 2024-12-31 the previous package had E1 E2 E3 E4 E5 E6 U1 P1 I1 as members; the
        # package in use drops E6's only spell and adds E7's (from 2024-10-05).
        ("total", {"E7"}, {"E6"}),
        ("kind=enterprise", {"E7"}, {"E6"}),
        ("size_class=large", {"E7"}, set()),  # E7 is large
        ("size_class=unknown", set(), {"E6"}),  # E6's size class is unknown
        ("kind=university", set(), set()),  # U1 in both
    ],
)
def test_members_entering_and_leaving(
    revised_home: Paths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    breakdown: str,
    entered: set[str],
    left: set[str],
) -> None:
    out, changes = _revision(
        revised_home, tmp_path, capsys, ["OUT02", "AT12", "2024Q4", "--breakdown", breakdown]
    )
    assert {unit for unit, _, _ in changes["entered"]} == entered
    assert {unit for unit, _, _ in changes["left"]} == left
    assert changes["changed"] == set()
    assert f"Units entered (only the package in use counts them): {len(entered)}" in out
    assert f"Units left (only the previous package counted them): {len(left)}" in out
    for unit in entered | left:
        assert f"  {unit}  " in out


def test_a_changed_addend(revised_home: Paths, tmp_path: Path, capsys) -> None:
    out, changes = _revision(revised_home, tmp_path, capsys, ["OUT05", "AT12", "2024Q4"])
    assert changes == {
        "entered": set(),
        "left": set(),
        "changed": {("V1", "40.000000", "45.000000")},
    }
    assert "unsuppressed value 40 -> 45" in out
    assert "  V1  40 -> 45  " in out
    # The published revision says the same.
    assert query(
        revised_home.published_warehouse,
        "SELECT previous_value, value FROM indicator_revisions WHERE region_code = 'AT12' "
        "AND quarter = '2024Q4' AND indicator_code = 'OUT05' AND breakdown = 'total'",
    ) == [(40, 45)]


@pytest.mark.parametrize(
    "cell",
    [
        ["OUT05", "AT12", "2024Q4", "--breakdown", "of_which=sme"],  # 25 SME participants both
        ["OUT01", "AT12", "2024Q4"],  # the clusters are the same
        ["RCO01", "AT12", "2024Q4"],  # so are the services
    ],
)
def test_unrevised_cells_list_nothing(
    revised_home: Paths, tmp_path: Path, capsys, cell: list[str]
) -> None:
    _, changes = _revision(revised_home, tmp_path, capsys, cell)
    assert changes == {"entered": set(), "left": set(), "changed": set()}


def test_a_quarter_the_previous_package_does_not_cover(revised_home: Paths, capsys) -> None:
    home = ["--home", str(revised_home.home)]
    assert main(["explain", "OUT02", "AT12", "2025Q1", "--against-previous", *home]) == 1
    assert "previous package (2024Q4) does not cover 2025Q1" in capsys.readouterr().err
