"""Receipts: loading twice changes nothing; a re-sent package replaces the active one with its
old files still archived; a rejected package never replaces the accepted one."""

from __future__ import annotations

import shutil
from pathlib import Path

from clustermon.ingest import ingest
from conftest import FIXTURES, query

SKELETON = FIXTURES / "skeleton"
RAW_TABLES = ("clusters", "organisations", "memberships", "quarantine", "received_files")


def _ingest(root: Path):
    return ingest(
        root / "warehouse.duckdb", root / "inbox", SKELETON / "programme", root / "archive"
    )


def _snapshot(root: Path) -> dict:
    database = root / "warehouse.duckdb"
    tables = {t: query(database, f"SELECT * FROM raw.{t} ORDER BY ALL") for t in RAW_TABLES}
    receipts = query(database, "SELECT * FROM raw.received_packages ORDER BY ALL")
    archived = sorted(p.relative_to(root) for p in (root / "archive").rglob("*") if p.is_file())
    return {"tables": tables, "receipts": receipts, "archive": archived}


def test_loading_the_same_inbox_twice_changes_nothing(tmp_path: Path) -> None:
    shutil.copytree(SKELETON / "inbox", tmp_path / "inbox")
    first = _ingest(tmp_path)
    before = _snapshot(tmp_path)
    second = _ingest(tmp_path)
    assert [p.skipped for p in first.packages] == [False, False]
    assert [p.skipped for p in second.packages] == [True, True]
    assert _snapshot(tmp_path) == before
    # 2024Q4 has 9 files, 2025Q1 9: each archived once under its checksum.
    assert len(before["archive"]) == 18


def test_resent_package_replaces_and_rejected_one_does_not(tmp_path: Path) -> None:
    shutil.copytree(SKELETON / "inbox", tmp_path / "inbox")
    package = tmp_path / "inbox" / "AT12" / "2025Q1"
    database = tmp_path / "warehouse.duckdb"
    [_, original] = _ingest(tmp_path).packages

    # Re-sent with C2 renamed: the new package replaces the quarter's rows.
    clusters = package / "clusters.csv"
    clusters.write_text(clusters.read_text().replace("Food Cluster", "Food and Drink Cluster"))
    [_, resent] = _ingest(tmp_path).packages
    assert resent.status == "accepted" and resent.package_id != original.package_id
    accepted = (
        "SELECT package_id FROM raw.received_packages "
        "WHERE quarter = '2025Q1' AND status = 'accepted'"
    )
    assert query(database, accepted) == [(resent.package_id,)]
    assert query(
        database,
        "SELECT DISTINCT name FROM raw.clusters WHERE quarter = '2025Q1' AND cluster_id = 'C2'",
    ) == [("Food and Drink Cluster",)]
    # Both versions of clusters.csv stay archived and registered as received.
    archived = sorted(
        p.read_text().count("Food and Drink")
        for p in tmp_path.rglob("archive/AT12/2025Q1/*/clusters.csv")
    )
    assert archived == [0, 1]
    assert query(
        database,
        "SELECT count(DISTINCT sha256) FROM raw.received_files "
        "WHERE file_name = 'clusters.csv' AND quarter = '2025Q1'",
    ) == [(2,)]

    # Re-sent again without memberships: rejected, recorded, and the accepted one stays in use.
    (package / "memberships.csv").unlink()
    [_, rejected] = _ingest(tmp_path).packages
    assert (rejected.status, rejected.message) == (
        "rejected",
        "region AT12, quarter 2025Q1: required table memberships is missing",
    )
    assert query(database, accepted) == [(resent.package_id,)]
    assert query(
        database, "SELECT count(*) FROM raw.memberships WHERE package_id = ?", [resent.package_id]
    ) == [(12,)]
    assert query(
        database,
        "SELECT status, count(*) FROM raw.received_packages "
        "WHERE quarter = '2025Q1' GROUP BY ALL ORDER BY ALL",
    ) == [("accepted", 1), ("rejected", 1)]


def test_a_rejected_package_is_read_again_only_when_its_files_or_the_programme_change(
    tmp_path: Path,
) -> None:
    shutil.copytree(SKELETON / "inbox" / "AT12", tmp_path / "inbox" / "AT13")  # not listed
    programme = tmp_path / "programme"
    shutil.copytree(SKELETON / "programme", programme)

    def load():
        [package] = ingest(
            tmp_path / "warehouse.duckdb", tmp_path / "inbox", programme, tmp_path / "archive"
        ).packages[-1:]
        return package

    first = load()
    assert (first.status, first.skipped) == ("rejected", False)
    again = load()  # same files, same programme: the verdict stands, the files are not read
    assert (again.status, again.skipped, again.message) == ("rejected", True, first.message)

    with (programme / "regions.csv").open("a", encoding="utf-8") as regions:
        regions.write("AT13,Wien,2024-10-01\n")
    listed = load()  # the programme changed: read again, and no longer rejected for its region
    assert not listed.skipped
    assert "not listed in the programme" not in (listed.message or "")
