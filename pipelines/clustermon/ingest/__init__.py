"""Ingestion: regional packages and the programme folder into the raw layer of the warehouse.

inbox.py finds the inbox's packages (partition keys, package ids), readers.py reads any format
as text, rules.py states the contract's rules as data, rule_engine.py runs them in DuckDB,
package.py finds and checks a package (also for `clustermon validate`, package_report.py words
the check), raw_schema.py creates and upgrades the raw tables, archive.py keeps each file as
received before it is read, load.py checks and loads packages, programme.py the programme
folder; assets.py is their Dagster face.
"""

from clustermon.ingest.load import Ingested, LoadedPackage, ingest, load_packages
from clustermon.ingest.package import (
    IngestError,
    PackageFolder,
    check_package,
    discover_packages,
    package_id,
    sha256_of,
)
from clustermon.ingest.programme import load_programme
from clustermon.ingest.raw_schema import create_raw_tables

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
    "sha256_of",
]
