"""`clustermon validate PACKAGE_DIR [--json]`: the check a region runs before it sends."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clustermon.frontends.cli import main
from clustermon.tools.demo import DEMO_REGIONS, write_demo
from conftest import FIXTURES

BASE = FIXTURES / "skeleton" / "inbox" / "AT12" / "2025Q1"


def test_demo_package_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_demo(tmp_path / "inbox", tmp_path / "programme", regions=DEMO_REGIONS[:1])
    region = DEMO_REGIONS[0].code
    package = sorted((tmp_path / "inbox" / region).iterdir())[-1]
    assert main(["validate", str(package)]) == 0
    report = capsys.readouterr().out
    assert report.startswith(f"Package {region} {package.name.upper()}: clean\n")
    assert " 0 quarantined" in report and "pass" in report
    assert not list(tmp_path.rglob("*.duckdb"))  # no warehouse anywhere


def test_bad_package_fails_with_its_faults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = tmp_path / "AT12" / "2025Q1"
    shutil.copytree(BASE, package)
    events = (package / "events.csv").read_text().replace("V2,C2,2025-02-12", "V2,C2,2025-02-30")
    (package / "events.csv").write_text(events)
    (package / "memberships.csv").unlink()
    assert main(["validate", str(package)]) == 1
    assert capsys.readouterr().out.splitlines()[:5] == [
        "Package AT12 2025Q1: REJECTED: region AT12, quarter 2025Q1: "
        "required table memberships is missing",
        "  clusters.csv: 4 rows read, 4 pass, 0 quarantined",
        "  events.csv: 2 rows read, 1 pass, 1 quarantined",
        "    type_date: 1 row",
        "      row 3, column held_on: held_on 2025-02-30 is not a date "
        "(YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY)",
    ]
    assert main(["validate", "--json", str(package)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["accepted"], report["clean"]) == (False, False)
    [events_report] = [f for f in report["files"] if f["file"] == "events.csv"]
    assert events_report["faults"] == [
        {
            "row": 3,
            "column": "held_on",
            "rule": "type_date",
            "value": "2025-02-30",
            "message": "held_on 2025-02-30 is not a date (YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY)",
        }
    ]


def test_report_shows_first_rows_and_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = tmp_path / "AT12" / "2025Q1"
    shutil.copytree(BASE, package)
    lines = (package / "services.csv").read_text().splitlines()
    # Seven services of an unknown organisation: five shown, "… and 2 more".
    lines += [f"S{n},C1,Z9,2025-01-01,advisory,non_financial," for n in range(10, 17)]
    (package / "services.csv").write_text("\n".join(lines) + "\n")
    assert main(["validate", str(package)]) == 1
    report = capsys.readouterr().out.splitlines()
    start = report.index("    broken_reference: 7 rows")
    assert (
        report[start + 1]
        == "      row 11, column organisation_id: organisation_id Z9 is not in organisations"
    )
    assert report[start + 6] == "      … and 2 more"


def test_folder_names_must_be_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = tmp_path / "Lower Austria" / "2025Q1"
    shutil.copytree(BASE, package)
    assert main(["validate", str(package)]) == 1
    assert "folder 'Lower Austria' is not a region code" in capsys.readouterr().err


def test_a_file_of_many_faults_is_counted_whole_and_listed_in_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = tmp_path / "AT12" / "2025Q1"
    shutil.copytree(BASE, package)
    rows = [f"X{n},C1,2025-01-15,dance,false,10,5" for n in range(1500)]
    (package / "events.csv").write_text(
        "event_id,cluster_id,held_on,event_type,international,participants,participants_sme\n"
        + "\n".join(rows)
        + "\n"
    )
    assert main(["validate", "--json", str(package)]) == 1
    report = json.loads(capsys.readouterr().out)
    [events] = [f for f in report["files"] if f["file"] == "events.csv"]
    assert events["rows_quarantined"] == 1500
    assert events["fault_counts"] == {"allowed_value": 1500}
    assert [f["row"] for f in events["faults"]] == list(range(2, 1002))  # the first 1,000
    assert main(["validate", str(package)]) == 1
    text = capsys.readouterr().out
    assert "    allowed_value: 1500 rows\n" in text and "… and 1495 more" in text
