"""The dbt staging layer of the package tables, written from the contract's declaration.

For every table of contract/tables.py, `stg_packages__<table>.sql` (the columns with their
lineage, cast to the contract's types) and its entry in `_packages__models.yml` (descriptions
in the contract's words; tests of keys, required columns, allowed values and references within
the package). The files are committed, so the dbt project reads on its own; `make generate`
writes them again after the declaration changes, and `tests/contract/` fails, naming the file,
while they differ from what the declaration gives.

    python -m clustermon.contract.staging [--check] [DBT_PROJECT_DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from clustermon.contract.tables import TABLES, Column, Table
from clustermon.home import DBT_PROJECT_DIR

STAGING_DIR = Path("models") / "staging" / "packages"
MODELS_FILE = STAGING_DIR / "_packages__models.yml"
GENERATED = (
    "Generated from pipelines/clustermon/contract/tables.py by `make generate`: do not edit."
)
LINEAGE = {
    "package_id": "Identifier of the package the row came from (hash of its files' SHA-256 "
    "checksums).",
    "region_code": "NUTS code of the region that sent the package (from the inbox folder name).",
    "quarter": "Reporting quarter of the package, e.g. 2025Q4 (from the inbox folder name).",
    "source_file": "Name of the file the row was read from, as received.",
    "source_row": "Line number of the row in its source file (the header is line 1).",
}
CASTS = {"int": "integer", "date": "date", "bool": "boolean"}


def model_name(table: Table) -> str:
    return f"stg_packages__{table.name}"


def _cast(column: Column) -> str:
    if column.type == "decimal":
        kind = "decimal(18, 6)" if column.exact else "double"
    else:
        kind = CASTS.get(column.type)
    if kind is None:
        return column.name
    typed = f"cast({column.name} as {kind})"
    if column.default is not None:
        typed = f"coalesce({typed}, {column.default})"
    return f"{typed} as {column.name}"


def staging_sql(table: Table) -> str:
    """Rename nothing, cast everything: the lineage (macros/package_lineage.sql), then the
    contract's columns in order."""
    lines = ["{{ package_lineage() }}", *(_cast(column) for column in table.columns)]
    body = ",\n".join(f"    {line}" for line in lines)
    return f"-- {GENERATED}\nselect\n{body}\nfrom {{{{ source('packages', '{table.name}') }}}}\n"


def _column_entry(column: Column) -> dict:
    entry: dict = {"name": column.name, "description": column.description}
    tests: list = []
    if column.allowed:
        tests.append({"accepted_values": {"arguments": {"values": list(column.allowed)}}})
    if column.references:
        target, field = column.references.split(".")
        tests.append(
            {
                "references_within_package": {
                    "arguments": {"to": f"ref('stg_packages__{target}')", "field": field}
                }
            }
        )
    if tests:
        entry["data_tests"] = tests
    return entry


def _model_entry(table: Table) -> dict:
    lineage = [{"name": name, "description": text} for name, text in LINEAGE.items()]
    lineage[0]["data_tests"] = [
        {
            "relationships": {
                "arguments": {"to": "ref('stg_packages__received_packages')", "field": "package_id"}
            }
        }
    ]
    required = [column.name for column in table.columns if column.required]
    tests: list = []
    if table.key:
        tests.append({"unique_combination": {"arguments": {"columns": ["package_id", *table.key]}}})
    tests.append(
        {
            "not_null_columns": {
                "name": f"not_null_columns_{model_name(table)}",
                "arguments": {"columns": ["package_id", "region_code", "quarter", *required]},
            }
        }
    )
    return {
        "name": model_name(table),
        "description": f"{table.description} All packages, cast to the contract's types.",
        "columns": [*lineage, *(_column_entry(column) for column in table.columns)],
        "data_tests": tests,
    }


def staging_yml(tables: Sequence[Table]) -> str:
    document = {"version": 2, "models": [_model_entry(table) for table in tables]}
    dumped = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return f"# {GENERATED}\n{dumped}"


def generated_files(tables: Sequence[Table] = TABLES) -> dict[Path, str]:
    """Path (relative to the dbt project) -> text, for every file the declaration gives."""
    files = {STAGING_DIR / f"{model_name(table)}.sql": staging_sql(table) for table in tables}
    files[MODELS_FILE] = staging_yml(tables)
    return files


def drift(project_dir: Path = DBT_PROJECT_DIR, tables: Sequence[Table] = TABLES) -> list[str]:
    """What differs between the dbt project and the declaration, one line per file."""
    expected = generated_files(tables)
    problems = [
        f"{path}: {'missing' if not (project_dir / path).exists() else 'differs'}"
        for path, text in expected.items()
        if not (project_dir / path).exists() or (project_dir / path).read_text() != text
    ]
    problems += [
        f"{path.relative_to(project_dir)}: no table of the contract (delete it)"
        for path in sorted((project_dir / STAGING_DIR).glob("stg_packages__*.sql"))
        if path.relative_to(project_dir) not in expected
        and path.read_text().startswith(f"-- {GENERATED}")
    ]
    return problems


def write(project_dir: Path = DBT_PROJECT_DIR, tables: Sequence[Table] = TABLES) -> list[Path]:
    """Write the files that differ; returns them."""
    written = []
    for path, text in generated_files(tables).items():
        target = project_dir / path
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    parser.add_argument("project_dir", nargs="?", type=Path, default=DBT_PROJECT_DIR)
    args = parser.parse_args(argv)
    if args.check:
        problems = drift(args.project_dir)
        for problem in problems:
            print(f"{problem}: run `make generate`", file=sys.stderr)
        return 1 if problems else 0
    for path in write(args.project_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
