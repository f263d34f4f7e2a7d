"""A refresh runs over the packages ingestion would load, not over every package ever received.

Dagster writes events per package partition in a run, so a run over all of them costs time
that grows with the history. The skeleton inbox (AT12, 2024Q4 and 2025Q1) is ingested for real,
then changed; the run tags must name the smallest range of partitions holding the packages
that are new, changed or rejected before.
"""

import shutil

import duckdb
import pytest
from dagster import DagsterInstance

from clustermon.ingest import ingest
from clustermon.ingest.inbox import arrival_rule, scan_inbox
from clustermon.operations.partitions import refresh_tags
from conftest import home_with_fixture

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@pytest.fixture
def ingested(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    ingest(paths.warehouse, paths.inbox, paths.programme, paths.archive)
    with DagsterInstance.ephemeral() as instance:
        yield paths, instance


def arrived(paths) -> dict[str, str]:
    return scan_inbox(paths.inbox, arrival_rule(paths.programme)).packages


def run_range(instance: DagsterInstance, paths) -> tuple[str, str]:
    tags = refresh_tags(instance, arrived(paths), paths.warehouse)
    return tags[RANGE_START], tags[RANGE_END]


def test_a_fresh_home_runs_over_every_package(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    with DagsterInstance.ephemeral() as instance:
        assert run_range(instance, paths) == ("AT12|2024Q4", "AT12|2025Q1")
        assert instance.get_dynamic_partitions("packages") == ["AT12|2024Q4", "AT12|2025Q1"]


def test_an_empty_inbox_asks_for_no_run(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    shutil.rmtree(paths.inbox / "AT12")
    with DagsterInstance.ephemeral() as instance:
        assert (
            refresh_tags(
                instance,
                arrived(paths),
                paths.warehouse,
            )
            is None
        )


def test_nothing_new_runs_over_the_newest_package_alone(ingested):
    paths, instance = ingested
    assert run_range(instance, paths) == ("AT12|2025Q1", "AT12|2025Q1")


def test_a_corrected_package_runs_alone(ingested):
    paths, instance = ingested
    run_range(instance, paths)
    events = paths.inbox / "AT12" / "2024Q4" / "events.csv"
    events.write_text(events.read_text().replace(",40,25", ",41,25", 1))
    assert run_range(instance, paths) == ("AT12|2024Q4", "AT12|2024Q4")


def test_a_new_region_runs_alone_and_a_correction_widens_the_range(ingested):
    paths, instance = ingested
    run_range(instance, paths)
    shutil.copytree(paths.inbox / "AT12" / "2025Q1", paths.inbox / "AT13" / "2025Q1")
    # New keys are registered after the known ones: AT13's package is a range of its own.
    assert run_range(instance, paths) == ("AT13|2025Q1", "AT13|2025Q1")
    clusters = paths.inbox / "AT12" / "2024Q4" / "clusters.csv"
    clusters.write_text(clusters.read_text() + "\n")
    # The corrected package moves after the others, so the range holds the two packages to
    # load and nothing between them.
    assert run_range(instance, paths) == ("AT12|2024Q4", "AT13|2025Q1")
    assert instance.get_dynamic_partitions("packages") == [
        "AT12|2025Q1",
        "AT12|2024Q4",
        "AT13|2025Q1",
    ]


def test_a_package_rejected_before_is_checked_again(ingested):
    paths, instance = ingested
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("UPDATE raw.received_packages SET status = 'rejected' WHERE quarter = '2024Q4'")
    assert run_range(instance, paths) == ("AT12|2024Q4", "AT12|2024Q4")


def test_an_old_rejected_package_does_not_stretch_the_range(ingested):
    paths, instance = ingested
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("UPDATE raw.received_packages SET status = 'rejected' WHERE quarter = '2024Q4'")
    run_range(instance, paths)
    for region in ("AT13", "AT14"):
        shutil.copytree(paths.inbox / "AT12" / "2025Q1", paths.inbox / region / "2025Q1")
    assert run_range(instance, paths) == ("AT12|2024Q4", "AT14|2025Q1")
    assert instance.get_dynamic_partitions("packages") == [
        "AT12|2025Q1",
        "AT12|2024Q4",
        "AT13|2025Q1",
        "AT14|2025Q1",
    ]
    # Already at the end: the order stays as it is.
    assert run_range(instance, paths) == ("AT12|2024Q4", "AT14|2025Q1")
    assert instance.get_dynamic_partitions("packages")[0] == "AT12|2025Q1"
