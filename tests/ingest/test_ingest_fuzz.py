"""No file can stop the programme: 320 broken variants of a valid package (tests/ingest/mutants.py,
seeded), each validated, then many of them refreshed at once beside valid packages.

For each variant `clustermon validate` answers with a verdict (exit 0 or 1) and a message,
never a traceback or an unexpected error. One refresh of an inbox holding 60 variants as the
packages of 60 regions beside three valid regions publishes the valid regions' values, and for
every file loaded, rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from ingest.mutants import mutants, write_package

from clustermon.frontends.cli import main
from clustermon.home import NUTS_REFERENCE, Paths
from conftest import FIXTURES, assert_rows_accounted, query, run_refresh

BASE = FIXTURES / "skeleton" / "inbox" / "AT12" / "2025Q1"
VARIANTS = mutants(BASE, count=320, seed=17)
VALID_REGIONS = ("AT11", "AT12", "AT13")


def test_the_mutator_makes_every_kind_of_fault() -> None:
    kinds = {variant.name.split(": ")[1] for variant in VARIANTS}
    assert len(VARIANTS) == 320
    assert {"bytes flipped", "cut short", "list column", "zip cut short", "garbage cells"} <= kinds
    assert len(kinds) >= 20


def test_validate_answers_every_variant_with_a_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdicts = {}
    for number, variant in enumerate(VARIANTS):
        folder = tmp_path / str(number) / "AT12" / "2025Q1"
        write_package(BASE, folder, variant)
        code = main(["validate", str(folder)])
        out, err = capsys.readouterr()
        assert code in (0, 1), (variant.name, out, err)
        assert out.strip(), variant.name
        for text in (out, err):
            assert "Traceback" not in text and "unexpected error" not in text, variant.name
        verdicts[code] = verdicts.get(code, 0) + 1
    assert verdicts.get(1, 0) > 100  # most variants break something a rule names


def _regions(count: int) -> list[str]:
    """Real NUTS 2021 level-3 codes outside Austria, for the variants' regions."""
    with NUTS_REFERENCE.open(encoding="utf-8", newline="") as stream:
        codes = [row["NUTS_ID"] for row in csv.DictReader(stream, delimiter=";")]
    return [code for code in codes if len(code) == 5 and not code.startswith("AT")][:count]


def _relocate(package: Path, region: str) -> None:
    """The package's clusters moved into `region` (a cluster lies within its region), so that
    a variant is rejected for its own fault only; bytes are replaced, the fault kept."""
    clusters = package / "clusters.csv"
    if clusters.exists():
        data = clusters.read_bytes()
        for nuts in (b"AT121", b"AT122", b"AT123", b"AT12"):
            data = data.replace(b"," + nuts + b",", f",{region},".encode())
        clusters.write_bytes(data)


def test_one_refresh_of_broken_packages_beside_valid_ones_publishes_the_valid(
    tmp_path: Path,
) -> None:
    paths = Paths(tmp_path / "home", tmp_path / "inbox", tmp_path / "programme")
    shutil.copytree(FIXTURES / "skeleton" / "programme", paths.programme)
    broken = _regions(60)
    with (paths.programme / "regions.csv").open("a", encoding="utf-8") as regions:
        for code in [*VALID_REGIONS, *broken]:
            if code != "AT12":
                regions.write(f"{code},Region {code},2024-10-01\n")
    for code in VALID_REGIONS:
        shutil.copytree(BASE, paths.inbox / code / "2025Q1")
        _relocate(paths.inbox / code / "2025Q1", code)
    for code, variant in zip(broken, VARIANTS[::5], strict=False):
        write_package(BASE, paths.inbox / code / "2025Q1", variant)
        _relocate(paths.inbox / code / "2025Q1", code)

    assert run_refresh(paths)
    published = query(
        paths.published_warehouse,
        "SELECT region_code, value FROM indicator_values "
        "WHERE indicator_code = 'OUT01' AND breakdown = 'total' AND quarter = '2025Q1' "
        "AND list_contains(?, region_code) ORDER BY ALL",
        [list(VALID_REGIONS)],
    )
    # OUT01 on 2025-03-31, by hand from clusters.csv: C1 and C2 (C3 closed in February,
    # C4 at the end of 2024).
    assert published == [(code, 2) for code in VALID_REGIONS]
    assert_rows_accounted(paths.warehouse)
    # Every package has its receipt, accepted or rejected with a reason: nothing lost.
    receipts = query(
        paths.warehouse,
        "SELECT count(DISTINCT region_code), count(*) FILTER (status = 'rejected' "
        "AND message IS NULL) FROM raw.received_packages",
    )
    assert receipts == [(63, 0)]
