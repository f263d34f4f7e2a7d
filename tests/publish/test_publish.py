"""Publication on hand-made working warehouses: versions, manifest, Parquet exports, retention,
rollback, and a publication killed (SIGKILL, real subprocess) at every step of its way."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from clustermon.ingest import create_raw_tables
from clustermon.publish.publication import (
    PUBLISHED_TABLES,
    PublicationError,
    current_id,
    load_publication,
    publications,
    publish,
    rollback,
    verify,
)
from clustermon.settings import ProgrammeSettings
from conftest import query

KEPT = ProgrammeSettings().publications_kept
FILES = {"clusters": "c" * 64, "organisations": "d" * 64}  # table -> SHA-256 as ingestion saw it


def working_warehouse(path: Path, value: float) -> Path:
    """The tables publication reads: the marts (documented), the package in use and its files,
    and the settings. OUT01 of AT12 in 2025Q1 is `value`."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        create_raw_tables(con)
        con.execute(
            "CREATE TABLE indicator_values AS SELECT 'AT12' AS region_code, '2025Q1' AS quarter,"
            " 'OUT01' AS indicator_code, 'total' AS breakdown, cast(? AS DOUBLE) AS value,"
            " cast(NULL AS DOUBLE) AS value_in_quarter, 'clusters' AS unit, false AS suppressed",
            [value],
        )
        con.execute("COMMENT ON TABLE indicator_values IS 'The published indicators.'")
        con.execute("COMMENT ON COLUMN indicator_values.value IS 'The cell''s value.'")
        con.execute(
            "CREATE TABLE indicator_catalog AS SELECT 'OUT01' AS indicator_code, "
            "'Active cluster organisations' AS name"
        )
        for table in set(PUBLISHED_TABLES) - {"indicator_values", "indicator_catalog"}:
            con.execute(f"CREATE TABLE {table} AS SELECT 1 AS placeholder")
        con.execute("CREATE SCHEMA intermediate")
        con.execute(
            "CREATE TABLE intermediate.int_packages_in_scope AS SELECT 'AT12' AS region_code, "
            "'p2' AS package_id, '2025Q1' AS package_quarter, DATE '2025-03-31' AS reference_date, "
            "true AS in_use"
        )
        for package in ("p1", "p2"):  # p1 is an earlier package, not in use
            for table, sha256 in FILES.items():
                con.execute(
                    "INSERT INTO raw.received_files (package_id, region_code, quarter, table_name,"
                    " file_name, sha256, size_bytes, rows_loaded) VALUES (?, 'AT12', ?, ?, ?, ?, ?,"
                    " ?)",
                    [package, package, table, f"{table}.csv", sha256, 100, 4],
                )
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _out01(database: Path) -> float:
    return query(database, "SELECT value FROM indicator_values")[0][0]


def test_publication_is_a_complete_version_switched_in(tmp_path: Path) -> None:
    published = tmp_path / "published"
    checks = [{"suite": "s", "table": "main.t", "passed": True, "outcomes": []}]
    report = tmp_path / "report.html"
    report.write_text("<p>report</p>")

    publication = publish(
        working_warehouse(tmp_path / "w.duckdb", 2), published, checks=checks, run_id="r1",
        report=report, kept=KEPT,
    )  # fmt: skip

    assert current_id(published) == publication.id and publication.current
    assert publication.folder == published / "versions" / publication.id
    stable = published / "monitoring.duckdb"
    assert _digest(stable) == _digest(publication.folder / "monitoring.duckdb")
    assert _out01(stable) == 2.0
    # Parquet exports hold the same rows, at the stable path too.
    parquet = published / "parquet" / "indicator_values.parquet"
    assert query(stable, f"SELECT * FROM read_parquet('{parquet}')") == query(
        stable, "SELECT * FROM indicator_values"
    )
    # Documentation travels with the tables.
    assert query(
        stable, "SELECT comment FROM duckdb_columns() WHERE table_name = 'indicator_values' "
        "AND column_name = 'value'"
    ) == [("The cell's value.",)]  # fmt: skip
    manifest = publication.manifest
    assert manifest["id"] == publication.id and manifest["run_id"] == "r1"
    assert manifest["checks"] == checks
    assert manifest["tables"]["indicator_values"] == 1
    assert manifest["code_version"].startswith(("git ", "clustermon "))
    # Only the package in use (p2), with every file's checksum.
    assert [(p["region_code"], p["package_id"], p["quarter"]) for p in manifest["packages"]] == [
        ("AT12", "p2", "2025Q1")
    ]
    assert {f["table"]: f["sha256"] for f in manifest["packages"][0]["files"]} == FILES
    assert set(manifest["files"]) == {
        "monitoring.duckdb",
        "validation_report.html",
        *(f"parquet/{t}.parquet" for t in PUBLISHED_TABLES),
    }
    assert verify(publication) == []
    assert (published / "current" / "validation_report.html").read_text() == "<p>report</p>"
    # Read-only on disk: every file r--r--r--, every folder r-xr-xr-x.
    modes = {
        str(path.relative_to(publication.folder)): path.stat().st_mode & 0o777
        for path in [publication.folder, *publication.folder.rglob("*")]
    }
    assert modes == {
        ".": 0o555,
        "parquet": 0o555,
        "manifest.json": 0o444,
        **{name: 0o444 for name in manifest["files"]},
    }


def test_keeps_the_configured_number_of_publications(tmp_path: Path) -> None:
    published = tmp_path / "published"
    ids = []
    for value in (1, 2, 3):
        warehouse = working_warehouse(tmp_path / "w.duckdb", value)
        ids.append(publish(warehouse, published, kept=2).id)

    assert len(set(ids)) == 3
    assert [p.id for p in publications(published)] == [ids[2], ids[1]]
    assert [p.current for p in publications(published)] == [True, False]


def test_rollback_switches_back_and_refuses_what_it_cannot_restore(tmp_path: Path) -> None:
    published = tmp_path / "published"
    first = publish(working_warehouse(tmp_path / "w.duckdb", 1), published, kept=KEPT)
    second = publish(working_warehouse(tmp_path / "w.duckdb", 2), published, kept=KEPT)

    restored = rollback(published, first.id)

    assert restored.current and current_id(published) == first.id
    assert _out01(published / "monitoring.duckdb") == 1.0
    assert _digest(published / "monitoring.duckdb") == first.manifest["files"]["monitoring.duckdb"]
    with pytest.raises(PublicationError, match="no complete publication"):
        rollback(published, "19990101T000000Z")
    with (second.folder / "parquet" / "indicator_values.parquet").open("ab") as damaged:
        damaged.write(b"x")
    with pytest.raises(PublicationError, match=r"damaged \(parquet/indicator_values.parquet\)"):
        rollback(published, second.id)
    assert current_id(published) == first.id


# Runs `publish` in a child process that reports each file-system step (and each table copied)
# after doing it, and stops dead at step `target` until the test kills it.
KILLABLE = textwrap.dedent(
    """
    import os, shutil, sys, time
    from pathlib import Path
    import clustermon.publish.publication as publication

    target, step = int(sys.argv[3]), 0

    def reported(name, function):
        def run(*args, **kwargs):
            global step
            result = function(*args, **kwargs)
            step += 1
            print(f"step {step} {name}", flush=True)
            if step == target:
                print("paused", flush=True)
                time.sleep(600)
            return result
        return run

    for name in ("rename", "replace", "symlink", "fsync"):
        setattr(os, name, reported(name, getattr(os, name)))
    shutil.rmtree = reported("rmtree", shutil.rmtree)
    publication._copy_table = reported("copy_table", publication._copy_table)
    publication.publish(Path(sys.argv[1]), Path(sys.argv[2]), kept=2)
    print("done", flush=True)
    """
)


def _publish_in_child(warehouse: Path, published: Path, target: int) -> list[str]:
    """Run the child to step `target` (0: to the end) and SIGKILL it there; its output lines."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, str(warehouse), str(published), str(target)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    lines = []
    for line in child.stdout:
        lines.append(line.strip())
        if line.strip() == "paused":
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    child.stdout.close()
    return lines


def test_publication_killed_at_any_step_leaves_old_or_new_complete(tmp_path: Path) -> None:
    # Two publications (OUT01 = 1) and a limit of two, so the new one (OUT01 = 2) also prunes.
    template = tmp_path / "template"
    warehouse = tmp_path / "w.duckdb"
    for value in (1, 1):
        working_warehouse(warehouse, value)
        old = publish(warehouse, template, kept=2).id
    working_warehouse(warehouse, 2)

    shutil.copytree(template, tmp_path / "complete", symlinks=True)
    complete_run = _publish_in_child(warehouse, tmp_path / "complete", 0)
    assert complete_run[-1] == "done"
    steps = [line for line in complete_run if line.startswith("step")]
    assert any("copy_table" in s for s in steps) and any("rmtree" in s for s in steps)

    outcomes = set()
    for target in range(1, len(steps) + 1):
        published = tmp_path / f"killed-at-{target}"
        shutil.copytree(template, published, symlinks=True)
        lines = _publish_in_child(warehouse, published, target)
        assert lines[-1] == "paused", (target, lines)

        in_force = load_publication(published, current_id(published))
        assert verify(in_force) == [], (target, steps[target - 1])
        stable = published / "monitoring.duckdb"
        assert _digest(stable) == in_force.manifest["files"]["monitoring.duckdb"]
        expected = 1.0 if in_force.id == old else 2.0
        assert _out01(stable) == expected, (target, steps[target - 1])
        parquet = published / "parquet" / "indicator_values.parquet"
        assert query(stable, f"SELECT value FROM read_parquet('{parquet}')") == [(expected,)]
        assert all(verify(p) == [] for p in publications(published))
        outcomes.add(expected)

        # The next publication cleans up after the killed one.
        after = publish(warehouse, published, kept=2)
        assert after.current and _out01(stable) == 2.0
        leftovers = [p.name for d in (published, published / "versions") for p in d.iterdir()]
        assert not [name for name in leftovers if name.startswith(".")], target

    assert outcomes == {1.0, 2.0}  # killed both before and after the switch


def test_manifest_is_json_with_every_file_checksummed(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publication = publish(working_warehouse(tmp_path / "w.duckdb", 2), published, kept=KEPT)
    manifest = json.loads((publication.folder / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert _digest(publication.folder / name) == digest
