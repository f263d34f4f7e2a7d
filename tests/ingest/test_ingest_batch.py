"""Packages checked together in one batch are judged each on its own: a reference resolves only
inside its own package, a key is unique only inside its own package, and a package loads the
same rows whether it comes alone or with others."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from clustermon.ingest import ingest, readers
from conftest import FIXTURES, query

SKELETON = FIXTURES / "skeleton"
PACKAGE = SKELETON / "inbox" / "AT12" / "2025Q1"
# Wien has one NUTS 3 region; the skeleton's clusters move there, all but C1.
WIEN_CLUSTERS = {"AT121": "AT130", "AT122": "AT130", "AT123": "AT130", "AT12": "AT13"}


def _programme(root: Path, regions: list[str]) -> Path:
    programme = root / "programme"
    shutil.copytree(SKELETON / "programme", programme)
    with (programme / "regions.csv").open("a", encoding="utf-8") as file:
        for code in regions:
            file.write(f"{code},Region {code},2024-10-01\n")
    return programme


def _wien_package(inbox: Path) -> Path:
    """The AT12 package sent again by AT13, its clusters in Wien, without cluster C1."""
    package = inbox / "AT13" / "2025Q1"
    shutil.copytree(PACKAGE, package)
    with (PACKAGE / "clusters.csv").open(encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if row["cluster_id"] != "C1"]
    with (package / "clusters.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "nuts_code": WIEN_CLUSTERS[row["nuts_code"]]} for row in rows)
    return package


def _rows_naming_c1(file: str) -> list[int]:
    """Spreadsheet row numbers (header = 1) of the memberships naming cluster C1."""
    with (PACKAGE / file).open(encoding="utf-8") as stream:
        return [
            n for n, row in enumerate(csv.DictReader(stream), start=2) if row["cluster_id"] == "C1"
        ]


def _raw_rows(database: Path, region: str) -> dict[str, list[tuple]]:
    tables = ("clusters", "organisations", "memberships", "projects", "participations")
    return {
        table: query(
            database,
            f"SELECT * EXCLUDE (package_id, region_code) FROM raw.{table} "
            "WHERE region_code = ? ORDER BY source_row",
            [region],
        )
        for table in tables
    }


# Each CSV read in one block, and in blocks of 512 bytes (a few rows each: row numbers carried
# across blocks).
@pytest.mark.parametrize("block_bytes", [readers.CSV_BLOCK, 512])
def test_a_batch_judges_each_package_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    monkeypatch.setattr(readers, "CSV_BLOCK", block_bytes)
    inbox = tmp_path / "inbox"
    shutil.copytree(PACKAGE, inbox / "AT12" / "2025Q1")
    _wien_package(inbox)
    programme = _programme(tmp_path, ["AT13"])
    together = tmp_path / "together.duckdb"
    result = ingest(together, inbox, programme, tmp_path / "archive")
    assert [(p.region_code, p.status) for p in result.packages] == [
        ("AT12", "accepted"),
        ("AT13", "accepted"),
    ]

    # AT12 alone loads exactly the rows it loads beside AT13.
    alone_inbox = tmp_path / "alone"
    shutil.copytree(PACKAGE, alone_inbox / "AT12" / "2025Q1")
    alone = tmp_path / "alone.duckdb"
    ingest(alone, alone_inbox, programme, tmp_path / "archive-alone")
    assert _raw_rows(together, "AT12") == _raw_rows(alone, "AT12")
    # ... every row of its files, none lost (the fixture's AT12 2025Q1 package is clean).
    for table, rows in _raw_rows(together, "AT12").items():
        lines = (PACKAGE / f"{table}.csv").read_text(encoding="utf-8").splitlines()
        assert len(rows) == len(lines) - 1, table
    assert query(together, "SELECT count(*) FROM raw.quarantine WHERE region_code = 'AT12'") == [
        (0,)
    ]

    # The same organisation and cluster ids in two packages are no duplicate keys ...
    assert query(together, "SELECT count(*) FROM raw.quarantine WHERE rule = 'duplicate_key'") == [
        (0,)
    ]
    # ... and AT13's memberships of C1 do not find AT12's C1: C1 is not in AT13's package.
    c1_members = query(
        together,
        "SELECT source_row, rule, message FROM raw.quarantine "
        "WHERE region_code = 'AT13' AND table_name = 'memberships' ORDER BY source_row",
    )
    expected = _rows_naming_c1("memberships.csv")
    assert expected  # the fixture has members of C1
    assert c1_members == [
        (row, "broken_reference", "cluster_id C1 is not in clusters") for row in expected
    ]
