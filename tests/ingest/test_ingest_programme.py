"""The programme folder is checked by the package rules before it replaces the programme tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustermon.ingest import IngestError, ingest
from conftest import query


def _programme(root: Path, regions: str, targets: str | None = None, settings: str | None = None):
    programme = root / "programme"
    programme.mkdir()
    (programme / "regions.csv").write_text(regions)
    if targets is not None:
        (programme / "targets.csv").write_text(targets)
    if settings is not None:
        (programme / "settings.toml").write_text(settings)
    (root / "inbox").mkdir()
    return ingest(root / "warehouse.duckdb", root / "inbox", programme, root / "archive")


def test_good_programme_is_loaded_as_canonical_text(tmp_path: Path) -> None:
    _programme(
        tmp_path,
        "region_code;name;programme_start\nAT12;Niederösterreich;01.10.2024\n",
        "region_code,indicator_code,year,target_value,kind\nAT12,RCO01,2029,524,target\n",
        "suppression_threshold = 5\n",
    )
    database = tmp_path / "warehouse.duckdb"
    assert query(database, "SELECT * FROM raw.regions") == [
        ("AT12", "Niederösterreich", "2024-10-01")
    ]
    assert query(database, "SELECT * FROM raw.targets") == [
        ("AT12", "RCO01", "2029", "524", "target")
    ]
    # Every setting is recorded, the defaults of those settings.toml does not set included.
    assert query(database, "SELECT * FROM raw.settings") == [
        ("suppression_threshold", "5"),
        ("publications_kept", "5"),
        ("jump_warning_factor", "3.0"),
        ("refresh_days_after_quarter_end", "15"),
        ("max_file_megabytes", "1024"),
        ("max_rows_per_file", "5000000"),
        ("max_columns_per_file", "200"),
        ("max_cell_characters", "32767"),
        ("max_xlsx_unpacked_megabytes", "1024"),
    ]


def test_faulty_programme_stops_the_load_with_every_fault(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as error:
        _programme(
            tmp_path,
            "region_code,name,programme_start\nAT12,Nö,2024-10-01\nXX9,Nowhere,2024-13-01\n",
            "region_code,indicator_code,year,target_value,kind\nAT13,RCO01,2029,524,goal\n",
            "suppression_threshold = 0\n",
        )
    assert str(error.value) == "; ".join(
        [
            "programme file regions.csv, row 3, column programme_start: programme_start "
            "2024-13-01 is not a date (YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY)",
            "programme file regions.csv, row 3, column region_code: region_code XX9 is not a "
            "NUTS 2021 code",
            "programme file targets.csv, row 2, column kind: kind goal is not one of: "
            "milestone, target",
            "programme file targets.csv, row 2, column region_code: region_code AT13 is not in "
            "regions",
            "programme file settings.toml: suppression_threshold 0 must be at least 1",
        ]
    )
    assert not (tmp_path / "warehouse.duckdb").exists() or query(
        tmp_path / "warehouse.duckdb",
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = 'regions'",
    ) == [(0,)]
