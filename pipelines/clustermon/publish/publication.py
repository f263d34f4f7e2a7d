"""Publication: versioned copies of the marts, switched in atomically, with a manifest each.

Layout under `<home>/published/`:

    versions/<ID>/monitoring.duckdb     the marts, with their comments
    versions/<ID>/parquet/<table>.parquet
    versions/<ID>/manifest.json         time, packages used (with checksums), check results,
                                        code version, rows and checksums of every file
    versions/<ID>/validation_report.html  the report of the run that published it
    current -> versions/<ID>            the one switch: a symlink replaced by a rename
    monitoring.duckdb -> current/monitoring.duckdb   the stable path readers open
    parquet -> current/parquet

A version is written complete under a hidden name and renamed into `versions/`; only then is
`current` switched, by renaming a new symlink over it (atomic on POSIX). So the database, its
Parquet exports and its manifest change together, a reader sees the old publication or the new
one and never a mix, and a reader holding the old file open keeps reading it (its version is
never rewritten; pruning only unlinks it). A symlink rather than a copy renamed over the stable
file: one rename switches every file of a publication at once, rollback is the same switch, and
`monitoring.duckdb` stays byte-for-byte the version's file (checksum in its manifest).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from clustermon.home import code_version
from clustermon.ingest import sha256_of

PUBLISHED_TABLES = (
    "indicator_values",
    "indicator_catalog",
    "indicator_targets",
    "indicator_benchmarks",
    "indicator_revisions",
    "data_quality",
    "data_quality_quarantine",
    "data_quality_rejections",
    "data_quality_completeness",
    "region_staleness",
    "impact_estimates",
)

DATABASE_NAME = "monitoring.duckdb"
MANIFEST_NAME = "manifest.json"
REPORT_NAME = "validation_report.html"


class PublicationError(ValueError):
    """A publication that does not exist or is not complete."""


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_table(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Copy a mart with its documentation (table and column comments) from the working file."""
    con.execute(f"CREATE TABLE main.{table} AS SELECT * FROM working.main.{table}")
    comment = con.execute(
        "SELECT comment FROM duckdb_tables() "
        "WHERE database_name = 'working' AND schema_name = 'main' AND table_name = ?",
        [table],
    ).fetchone()
    if comment and comment[0]:
        con.execute(f"COMMENT ON TABLE main.{table} IS {_sql_literal(comment[0])}")
    columns = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() "
        "WHERE database_name = 'working' AND schema_name = 'main' AND table_name = ? "
        "AND comment IS NOT NULL",
        [table],
    ).fetchall()
    for column, text in columns:
        con.execute(f"COMMENT ON COLUMN main.{table}.{column} IS {_sql_literal(text)}")
    return con.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _packages_in_use(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The packages computed, with their files and SHA-256 checksums: each region's package in
    use (`in_use`) and the one before it, whose values the revisions compare against."""
    rows = con.execute(
        """
        SELECT p.region_code, p.package_quarter, p.package_id, cast(p.reference_date AS VARCHAR),
               p.in_use, f.table_name, f.file_name, f.sha256, f.size_bytes, f.rows_loaded
        FROM working.intermediate.int_packages_in_scope AS p
        JOIN working.raw.received_files AS f USING (package_id)
        ORDER BY p.region_code, f.table_name, f.file_name
        """
    ).fetchall()
    packages: dict[str, dict] = {}
    for region, quarter, package_id, reference, in_use, table, file, sha256, size, loaded in rows:
        package = packages.setdefault(
            package_id,
            {
                "region_code": region,
                "quarter": quarter,
                "package_id": package_id,
                "reference_date": reference,
                "in_use": in_use,
                "files": [],
            },
        )
        package["files"].append(
            {"table": table, "file": file, "sha256": sha256, "bytes": size, "rows_loaded": loaded}
        )
    return list(packages.values())


@dataclass(frozen=True)
class Publication:
    id: str
    folder: Path
    manifest: dict
    current: bool


def _versions(published: Path) -> Path:
    return published / "versions"


def current_id(published: Path) -> str | None:
    current = published / "current"
    return Path(os.readlink(current)).name if current.is_symlink() else None


def _new_id(published: Path) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = stamp, 1
    while (_versions(published) / candidate).exists():
        candidate, n = f"{stamp}-{n}", n + 1
    return candidate


def _remove_unfinished(published: Path) -> None:
    """Drop what a killed publication left under hidden names (there is one writer)."""
    for folder in (published, _versions(published)):
        for leftover in folder.glob(".*.tmp") if folder.exists() else []:
            if leftover.is_dir() and not leftover.is_symlink():
                _remove_folder(leftover)
            else:
                leftover.unlink()


def switch_link(link: Path, target: str) -> None:
    """Point `link` at `target` with one rename; a no-op when it already does."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    building = link.with_name(f".{link.name}.{uuid.uuid4().hex}.tmp")
    os.symlink(target, building)
    os.replace(building, link)
    _fsync(link.parent)


def _write_version(
    warehouse: Path,
    folder: Path,
    publication_id: str,
    checks: list[dict],
    run_id: str | None,
    report: Path | None,
) -> None:
    """Write a complete version into `folder`."""
    (folder / "parquet").mkdir(parents=True)
    database = folder / DATABASE_NAME
    with duckdb.connect(str(database)) as con:
        con.execute(f"ATTACH {_sql_literal(str(warehouse))} AS working (READ_ONLY)")
        rows = {table: _copy_table(con, table) for table in PUBLISHED_TABLES}
        packages = _packages_in_use(con)
        con.execute("DETACH working")
        for table in PUBLISHED_TABLES:
            target = folder / "parquet" / f"{table}.parquet"
            con.execute(f"COPY main.{table} TO {_sql_literal(str(target))} (FORMAT parquet)")
        con.execute("CHECKPOINT")
    files = [database, *(folder / "parquet" / f"{t}.parquet" for t in PUBLISHED_TABLES)]
    if report is not None and report.is_file():
        shutil.copyfile(report, folder / REPORT_NAME)
        files.append(folder / REPORT_NAME)
    for file in files:
        _fsync(file)
    manifest = {
        "id": publication_id,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": code_version(),
        "run_id": run_id,
        "tables": rows,
        "files": {str(f.relative_to(folder)): sha256_of(f) for f in files},
        "packages": packages,
        "checks": checks,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    _fsync(folder / MANIFEST_NAME)
    _set_modes(folder, READ_ONLY)
    _fsync(folder / "parquet")
    _fsync(folder)


# A complete version is read-only on disk: a reader cannot change a publication by mistake
# (DuckDB opens a file it may not write only with read_only). Made writable again to remove it.
READ_ONLY = (0o444, 0o555)  # files, folders
WRITABLE = (0o644, 0o755)


def _set_modes(folder: Path, modes: tuple[int, int]) -> None:
    file_mode, folder_mode = modes
    for path in sorted(folder.rglob("*"), reverse=True):  # a folder after what it holds
        path.chmod(folder_mode if path.is_dir() else file_mode)
    folder.chmod(folder_mode)


def _remove_folder(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:  # a folder before what it holds
        if path.is_dir():
            path.chmod(WRITABLE[1])
    shutil.rmtree(folder)


def publish(
    warehouse: Path,
    published: Path,
    *,
    checks: list[dict] | None = None,
    run_id: str | None = None,
    report: Path | None = None,
    kept: int,
) -> Publication:
    """Publish the working warehouse's marts as a new version and switch it in, with the
    gate's results (`checks`) and report page of the run (`run_id`); keep the newest `kept`
    publications (settings.toml `publications_kept`)."""
    _versions(published).mkdir(parents=True, exist_ok=True)
    _remove_unfinished(published)
    publication_id = _new_id(published)
    building = _versions(published) / f".{publication_id}.{uuid.uuid4().hex}.tmp"
    _write_version(warehouse, building, publication_id, checks or [], run_id, report)
    folder = _versions(published) / publication_id
    os.rename(building, folder)
    _fsync(_versions(published))
    _switch_in(published, publication_id)
    _prune(published, kept)
    return load_publication(published, publication_id)


def _switch_in(published: Path, publication_id: str) -> None:
    # The stable links resolve through `current`; they are created once and never change.
    switch_link(published / DATABASE_NAME, f"current/{DATABASE_NAME}")
    switch_link(published / "parquet", "current/parquet")
    switch_link(published / "current", f"versions/{publication_id}")


def load_publication(published: Path, publication_id: str) -> Publication:
    folder = _versions(published) / publication_id
    manifest_file = folder / MANIFEST_NAME
    if publication_id.startswith(".") or not manifest_file.is_file():
        raise PublicationError(f"no complete publication {publication_id!r} in {published}")
    manifest = json.loads(manifest_file.read_text())
    return Publication(
        publication_id, folder, manifest, current=current_id(published) == publication_id
    )


def publications(published: Path) -> list[Publication]:
    """The kept publications, newest first."""
    versions = _versions(published)
    names = sorted(
        (p.name for p in versions.iterdir() if not p.name.startswith("."))
        if versions.exists()
        else [],
        reverse=True,
    )
    return [load_publication(published, name) for name in names]


def verify(publication: Publication) -> list[str]:
    """Files of the publication whose checksum differs from its manifest (empty: intact)."""
    return [
        name
        for name, digest in publication.manifest["files"].items()
        if not (publication.folder / name).is_file()
        or sha256_of(publication.folder / name) != digest
    ]


def rollback(published: Path, publication_id: str) -> Publication:
    """Make a kept publication current again, with the same atomic switch as `publish`."""
    publication = load_publication(published, publication_id)
    damaged = verify(publication)
    if damaged:
        raise PublicationError(
            f"publication {publication_id} is damaged ({', '.join(damaged)}); not restored"
        )
    _switch_in(published, publication_id)
    return load_publication(published, publication_id)


def _prune(published: Path, kept: int) -> None:
    """Keep the newest `kept` publications, and always the current one."""
    current = current_id(published)
    for old in publications(published)[kept:]:
        if old.id != current:
            # Hidden first (one rename), so a kill while deleting leaves no half publication.
            retired = old.folder.with_name(f".{old.id}.{uuid.uuid4().hex}.tmp")
            os.rename(old.folder, retired)
            _remove_folder(retired)
