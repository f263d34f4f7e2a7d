"""`make bench`'s harness at smoke size: two regions, a tenth of the EU profile's sizes, a one-file
case of 2 MB.

Real refreshes (full, incremental, re-submission) and the plain-DuckDB baseline; the JSON's
figures are checked against what the test counts itself in the generated files and folders.
Timings are only checked for consistency, never against a limit.
"""

import json
from pathlib import Path

import duckdb
import pytest

from clustermon.tools.bench import FULL_QUARTER, GOALS, NEXT_QUARTER, REFRESHES, STAGE_ORDER, main


def _data_rows(files: list[Path]) -> int:
    """Lines of the CSV files minus their header lines (the demo never breaks a line)."""
    return sum(len(path.read_bytes().splitlines()) - 1 for path in files)


def _size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("bench")
    output = root / "bench.json"
    status = main(["--root", str(root / "run"), "--regions", "2", "--scale", "0.1",
                   "--h2020-countries", "2", "--large-file-mb", "2",
                   "--output", str(output)])  # fmt: skip
    assert status == 0
    return root / "run", json.loads(output.read_text())


def test_structure(bench: tuple[Path, dict]) -> None:
    _, results = bench
    assert results["regions"] == 2 and results["scale"] == 0.1
    assert REFRESHES == ("full", "incremental", "resubmission", "rebuild")
    for name in REFRESHES:
        run = results[name]
        assert run["succeeded"]
        assert {"ingest", "dbt", "publish", "site", "other"} <= set(run["stage_seconds"])
        assert set(run["stage_seconds"]) <= set(STAGE_ORDER)
        # The stages and "other" make up the wall time (each figure rounded to 0.01 s).
        assert sum(run["stage_seconds"].values()) == pytest.approx(run["wall_seconds"], abs=0.1)
        # A process's PSS is its RSS with each shared page divided among its sharers.
        assert 0 < run["peak_pss_mb"] <= run["peak_rss_mb"]
        # Each stage's peak is one of the run's samples, so none exceeds the run's peak.
        assert set(run["stage_peak_rss_mb"]) == set(run["stage_seconds"]) - {"other"}
        assert 0 < max(run["stage_peak_rss_mb"].values()) <= run["peak_rss_mb"]
        assert set(run["sizes_mb"]) == {"warehouse", "published_warehouse", "site"}
    assert results["framework_over_engine"] == round(
        results["full"]["wall_seconds"] / results["plain_duckdb_seconds"], 2
    )
    assert [goal["goal"] for goal in results["goals"]] == [label for label, _, _ in GOALS]
    assert results["incremental_over_rebuild"] == round(
        results["incremental"]["wall_seconds"] / results["rebuild"]["wall_seconds"], 2
    )
    goals = {goal["goal"]: goal for goal in results["goals"]}
    resubmission_goal = goals["re-submission wall (s)"]
    assert resubmission_goal["measured"] == results["resubmission"]["wall_seconds"]
    assert resubmission_goal["met"] == (results["resubmission"]["wall_seconds"] <= 15)
    # The one-file case: a 2 MB firm_kpis.csv alone, which validate reads to its end and reports
    # as a package lacking its other tables (exit 1).
    large = results["large_file"]
    assert 2 * 0.97 <= large["file_mb"] <= 2 * 0.97 + 1.1  # written about 1 MB at a time
    assert large["exit_code"] == 1 and large["peak_rss_mb"] > 0 and large["wall_seconds"] > 0
    h2020 = results["h2020"]
    assert h2020["packages"] == 2 and h2020["refresh"]["succeeded"]
    assert goals["Horizon 2020 refresh / plain DuckDB"]["measured"] == round(
        h2020["refresh"]["wall_seconds"] / h2020["plain_duckdb_seconds"], 2
    )


def test_rows_ingested_are_the_packages_rows(bench: tuple[Path, dict]) -> None:
    root, results = bench
    inbox = root / "inbox"
    regions = sorted(folder.name for folder in inbox.iterdir())
    assert len(regions) == 2
    # full: every region's 2025Q3; incremental: every region's 2025Q4; re-submission: one
    # region's corrected 2025Q4 package, reloaded whole.
    assert results["full"]["rows_ingested"] == _data_rows(
        list(inbox.glob(f"*/{FULL_QUARTER}/*.csv"))
    )
    assert results["incremental"]["rows_ingested"] == _data_rows(
        list(inbox.glob(f"*/{NEXT_QUARTER}/*.csv"))
    )
    assert results["resubmission"]["region"] == regions[0]
    assert results["resubmission"]["rows_ingested"] == _data_rows(
        list((inbox / regions[0] / NEXT_QUARTER).glob("*.csv"))
    )
    # rebuild: both quarters of every region into a fresh home, the correction included.
    assert results["rebuild"]["rows_ingested"] == _data_rows(list(inbox.glob("*/*/*.csv")))
    assert results["full"]["rows_ingested"] > 1000
    # The Horizon 2020 packages: every row of their files, as DuckDB counts them.
    files = sorted((root / "h2020" / "inbox").glob("*/*/*.csv"))
    assert len({f.parent for f in files}) == 2
    with duckdb.connect() as con:
        rows = sum(con.sql(f"SELECT count(*) FROM read_csv('{f}')").fetchone()[0] for f in files)
    assert results["h2020"]["refresh"]["rows_ingested"] == rows


def test_sizes_are_those_of_the_folders(bench: tuple[Path, dict]) -> None:
    root, results = bench
    home = root / "home"
    # The last refresh left the folders as they are now.
    sizes = results["resubmission"]["sizes_mb"]
    assert sizes["site"] == _size_mb(home / "published" / "site")
    assert results["inbox_mb"] == _size_mb(root / "inbox")
