"""An explained row followed back to its archived file: the file's SHA-256 is the one shown,
and the row a spreadsheet shows under the number given holds the fact shown."""

import csv
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from clustermon.frontends.cli import main
from clustermon.home import Paths
from conftest import query


def _explained(home: Paths, tmp_path: Path, cell: list[str]) -> list[dict]:
    table = tmp_path / "explained.csv"
    assert main(["explain", *cell, "--home", str(home.home), "--csv", str(table)]) == 0
    with table.open(newline="") as file:
        return list(csv.DictReader(file))


def _archived_row(row: dict, home: Paths) -> dict[str, str]:
    """The archived file's row as a spreadsheet numbers it (header = 1), after checking the
    file is the archive's and unchanged."""
    archived = Path(row["archive_path"])
    assert archived.is_relative_to(home.archive)
    assert archived.name == row["source_file"]
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == row["sha256"]
    with archived.open(newline="", encoding="utf-8") as file:
        records = list(csv.DictReader(file))
    return records[int(row["source_row"]) - 2]


@pytest.mark.slow
def test_an_addend_back_to_its_archived_event(
    demo_home: Paths, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    rows = _explained(demo_home, tmp_path, ["OUT05", "AT12", "2025Q4"])
    out = capsys.readouterr().out
    row = rows[-1]  # the latest event counted
    record = _archived_row(row, demo_home)
    assert record["event_id"] == row["unit_id"]
    assert Decimal(record["participants"]) == Decimal(row["addend"])
    assert record["held_on"] == row["counts_from"]
    assert f"{record['participants']} participants" in row["fact"]
    # The same row, file and checksum on the screen.
    assert f"{row['fact']} [events.csv row {row['source_row']}]" in out
    assert f"SHA-256 {row['sha256']}, archived at {row['archive_path']} (checksum verified)" in out


@pytest.mark.slow
def test_a_counted_unit_back_to_its_archived_participation(
    demo_home: Paths, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    rows = _explained(demo_home, tmp_path, ["RCO10", "AT12", "2025Q4"])
    capsys.readouterr()
    row = rows[0]
    assert row["source_table"] == "participations"
    record = _archived_row(row, demo_home)
    assert record["organisation_id"] == row["unit_id"]
    assert f"in project {record['project_id']} " in row["fact"]
    assert f"through cluster {record['cluster_id']})" in row["fact"]


def test_an_altered_archived_copy_is_reported(revised_home: Paths, capsys) -> None:
    arguments = ["explain", "OUT01", "AT12", "2024Q4", "--home", str(revised_home.home)]
    ((archived,),) = query(
        revised_home.warehouse,
        "SELECT archive_path FROM raw.received_files JOIN raw.received_packages "
        "USING (package_id) WHERE received_files.table_name = 'clusters' "
        "AND received_packages.quarter = '2025Q1'",
    )
    copy = Path(archived)
    original = copy.read_bytes()
    try:
        copy.write_bytes(original.replace(b"Plastics", b"Plastic "))
        assert main(arguments) == 0
        altered = hashlib.sha256(copy.read_bytes()).hexdigest()
        assert f"(the archived copy differs: SHA-256 {altered})" in capsys.readouterr().out
    finally:
        copy.write_bytes(original)
    assert main(arguments) == 0
    assert f"archived at {archived} (checksum verified)" in capsys.readouterr().out
