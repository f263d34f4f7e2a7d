"""The programme folder (regions.csv, targets.csv, settings.toml) into the raw layer.

regions.csv and targets.csv are checked by the same rules as packages; settings.toml is read
by the caller's `ProgrammeSettings` (settings.py: parsed once per run) and recorded in
`raw.settings`. Any fault stops the load with one message naming every fault, settings.toml's
included, and the programme tables stay as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from clustermon.contract import PROGRAMME_TABLES
from clustermon.ingest.package import IngestError, prepare_reference_data, read_contract_file
from clustermon.ingest.raw_schema import transaction
from clustermon.ingest.readers import FileFault
from clustermon.ingest.rule_engine import BatchPackage, TableFile, check_table, start_batch
from clustermon.settings import ProgrammeSettings, SettingsError


def check_programme(
    con: duckdb.DuckDBPyConnection, programme: Path, settings: Callable[[], ProgrammeSettings]
) -> ProgrammeSettings:
    """Check regions.csv, targets.csv and the settings; any fault stops the load.

    Leaves `loaded_regions` and `loaded_targets`; returns the settings.
    """
    prepare_reference_data(con)
    # The programme is a batch of one package without a region or a reference date.
    start_batch(con, [BatchPackage(0, "", date.max)])
    faults = []
    for table in PROGRAMME_TABLES:
        path = programme / f"{table.name}.csv"
        files = []
        if path.exists():
            try:
                files.append(TableFile(0, path.name, read_contract_file(path, table)))
            except FileFault as fault:
                faults.append(f"programme file {path.name}: {fault}")
        elif table.required:
            faults.append(f"programme folder {programme}: {path.name} is missing")
        check_table(con, table, files)
    faults += [
        f"programme file {file}, row {row}, column {column}: {message}"
        for file, row, column, message in con.execute(
            "SELECT source_file, source_row, column_name, message FROM package_quarantine "
            "ORDER BY ALL"
        ).fetchall()
    ]
    try:
        checked = settings()
    except SettingsError as error:
        faults.append(str(error))
    if faults:
        raise IngestError("; ".join(faults))
    return checked


def load_programme(
    con: duckdb.DuckDBPyConnection, programme: Path, settings: Callable[[], ProgrammeSettings]
) -> ProgrammeSettings:
    """Replace the programme tables with the folder's checked files, and record the settings
    (`settings` reads them; defaults filled in); returns the settings."""
    recorded = check_programme(con, programme, settings)
    with transaction(con):
        for table in PROGRAMME_TABLES:
            columns = ", ".join(table.column_names)
            con.execute(
                f"CREATE OR REPLACE TABLE raw.{table.name} AS SELECT {columns} "
                f"FROM text_{table.name} SEMI JOIN loaded_{table.name} USING (row_id)"
            )
        con.execute("CREATE OR REPLACE TABLE raw.settings (key VARCHAR, value VARCHAR)")
        con.executemany("INSERT INTO raw.settings VALUES (?, ?)", recorded.records())
    return recorded
