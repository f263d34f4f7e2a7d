"""The package suites judge each package on its own (submission format 1.1, "Delivery"): a
package that fails a blocking one is held back like a rejected package, its region keeps what it
had, and every other region is published.

AT12 and AT13 (districts renamed to AT130) send the skeleton's packages (2024Q4, 2025Q1); AT12's
2025Q1 `events.csv` is random bytes. The table is rejected (events are optional, the package is
not), so AT12 2025Q1 loads no event against one in 2024Q4: fewer than half the rows of the
previous package, which the blocking `package_volumes` suite refuses."""

import os
import shutil
from pathlib import Path

from clustermon.home import Paths
from conftest import FIXTURES, query, run_refresh

OUT01 = (
    "SELECT region_code, quarter, value FROM indicator_values "
    "WHERE indicator_code = 'OUT01' AND breakdown = 'total' ORDER BY ALL"
)


def two_regions(root: Path) -> Paths:
    paths = Paths(root / "home", root / "inbox", root / "programme")
    shutil.copytree(FIXTURES / "skeleton" / "inbox" / "AT12", paths.inbox / "AT12")
    for source in (FIXTURES / "skeleton" / "inbox" / "AT12").rglob("*.csv"):
        # Wien (AT13) has one NUTS 3 region, AT130.
        text = source.read_text()
        for district in ("AT121", "AT122", "AT123"):
            text = text.replace(district, "AT130")
        copy = paths.inbox / "AT13" / source.parent.name / source.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(text.replace("AT12", "AT13"))
    shutil.copytree(FIXTURES / "skeleton" / "programme", paths.programme)
    with (paths.programme / "regions.csv").open("a") as regions:
        regions.write("AT13,Wien,2024-10-01\n")
    return paths


def test_a_package_failing_a_package_suite_is_held_back_and_the_others_publish(tmp_path):
    paths = two_regions(tmp_path)
    (paths.inbox / "AT12" / "2025Q1" / "events.csv").write_bytes(os.urandom(4096))

    assert run_refresh(paths)  # published

    receipts = query(
        paths.warehouse,
        "SELECT region_code, quarter, status, message FROM raw.received_packages ORDER BY ALL",
    )
    assert [row[:3] for row in receipts] == [
        ("AT12", "2024Q4", "accepted"),
        ("AT12", "2025Q1", "rejected"),
        ("AT13", "2024Q4", "accepted"),
        ("AT13", "2025Q1", "accepted"),
    ]
    reason = receipts[1][3]
    assert reason.startswith(
        "region AT12, quarter 2025Q1: held back by the gate (package_volumes): No table of"
    )
    assert "table_name events" in reason and "previous_rows 1" in reason
    assert "newest_rows 0" in reason
    # AT13 is published for both quarters; AT12 for 2024Q4 only, as AT13 (the same register).
    published = query(paths.published_warehouse, OUT01)
    assert [row[:2] for row in published] == [
        ("AT12", "2024Q4"),
        ("AT13", "2024Q4"),
        ("AT13", "2025Q1"),
    ]
    assert published[0][2] == published[1][2]
    assert published[2][2] == 2.0  # the skeleton's OUT01 in 2025Q1 (tests/publish)
    in_use = query(
        paths.published_warehouse,
        "SELECT package_in_use_quarter FROM data_quality "
        "WHERE region_code = 'AT12' AND quarter = '2025Q1'",
    )
    assert in_use == [("2024Q4",)]  # AT12 keeps its previous package
    # The hold and its reason are published, and shown on the quality page.
    assert query(
        paths.published_warehouse,
        "SELECT region_code, quarter, held_back_by_gate, reason FROM data_quality_rejections",
    ) == [("AT12", "2025Q1", True, reason)]
    page = (paths.site / "quality.html").read_text(encoding="utf-8")
    assert "held back by the gate" in page and "AT12" in page


def test_a_held_back_resubmission_leaves_the_quarter_it_replaces_in_force(tmp_path):
    paths = two_regions(tmp_path)
    assert run_refresh(paths)
    events = paths.inbox / "AT13" / "2025Q1" / "events.csv"
    events.write_text(events.read_text().splitlines()[0] + "\n")  # no event left: cut short

    assert run_refresh(paths)

    versions = query(
        paths.warehouse,
        "SELECT status, message FROM raw.received_packages "
        "WHERE region_code = 'AT13' AND quarter = '2025Q1' ORDER BY received_at",
    )
    assert [status for status, _ in versions] == ["accepted", "rejected"]
    assert versions[1][1].startswith(
        "region AT13, quarter 2025Q1: held back by the gate (package_volumes)"
    )
    assert query(
        paths.warehouse,
        "SELECT count(*) FROM raw.events WHERE region_code = 'AT13' AND quarter = '2025Q1'",
    ) == [(2,)]  # the first version's two events stay in force
