"""Ingestion: regional packages and the programme folder into the raw layer of the warehouse.

readers.py reads any format as text, rules.py states the contract's rules as data, checks.py
runs them in DuckDB, package.py finds and checks a package (also for `clustermon validate`),
load.py archives and loads packages and the programme folder, report.py words a check.
"""

from clustermon.ingest.load import (
    Ingested,
    LoadedPackage,
    create_raw_tables,
    ingest,
    load_packages,
    load_programme,
    raw_row_counts,
)
from clustermon.ingest.package import (
    IngestError,
    PackageFolder,
    check_package,
    discover_packages,
    package_id,
    sha256_of,
)

__all__ = [
    "IngestError",
    "Ingested",
    "LoadedPackage",
    "PackageFolder",
    "check_package",
    "create_raw_tables",
    "discover_packages",
    "ingest",
    "load_packages",
    "load_programme",
    "package_id",
    "raw_row_counts",
    "sha256_of",
]
