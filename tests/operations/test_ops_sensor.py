"""The inbox sensor: a run for a new package, none for an unchanged re-drop, one for a change."""

import shutil

import pytest
from dagster import DagsterInstance, SensorResult, build_sensor_context

from clustermon.home import Paths
from clustermon.operations.sensors import inbox_sensor
from clustermon.resources import ClustermonHome
from conftest import home_with_fixture

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "dagster").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        yield instance


@pytest.fixture
def paths(tmp_path):
    return home_with_fixture(tmp_path, "skeleton")


def tick(instance: DagsterInstance, cursor: str | None, paths: Paths) -> SensorResult:
    """One evaluation, then what the daemon does with its result: add the new partitions."""
    context = build_sensor_context(
        instance=instance, cursor=cursor, resources={"home": ClustermonHome.for_paths(paths)}
    )
    result = inbox_sensor(context)
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
    return result


def test_new_package_redrop_and_change(instance, paths):
    # First look at the inbox: both skeleton packages are new, ingested in one run (one range).
    first = tick(instance, None, paths)
    [request] = first.run_requests
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("AT12|2024Q4", "AT12|2025Q1")
    assert instance.get_dynamic_partitions("packages") == ["AT12|2024Q4", "AT12|2025Q1"]

    # Nothing changed.
    second = tick(instance, first.cursor, paths)
    assert second.run_requests == [] and second.skip_reason

    # The region sends the same package again: new files, same bytes.
    package = paths.inbox / "AT12" / "2025Q1"
    copy = paths.inbox.parent / "resent"
    shutil.copytree(package, copy)
    shutil.rmtree(package)
    shutil.copytree(copy, package)
    redrop = tick(instance, second.cursor, paths)
    assert redrop.run_requests == []

    # A corrected file: exactly that region and quarter, as a single partition.
    with (package / "services.csv").open("a") as services:
        services.write("S99,C1,E6,2025-03-01,advisory,non_financial,\n")
    changed = tick(instance, redrop.cursor, paths)
    [request] = changed.run_requests
    assert request.partition_key == "AT12|2025Q1"
    assert request.tags["clustermon/changed_packages"] == "AT12|2025Q1"
    assert changed.dynamic_partitions_requests == []  # the partition exists already

    # A new region's package: added as a partition and requested alone.
    shutil.copytree(paths.inbox / "AT12" / "2024Q4", paths.inbox / "AT13" / "2025Q1")
    new = tick(instance, changed.cursor, paths)
    [request] = new.run_requests
    assert request.partition_key == "AT13|2025Q1"
    assert instance.get_dynamic_partitions("packages")[-1] == "AT13|2025Q1"

    # Reverting the correction restores an earlier state: still a change, still a run.
    (package / "services.csv").write_bytes((copy / "services.csv").read_bytes())
    reverted = tick(instance, new.cursor, paths)
    assert [r.partition_key for r in reverted.run_requests] == ["AT12|2025Q1"]


def test_no_inbox_yet_triggers_nothing(instance, tmp_path):
    paths = Paths(tmp_path / "home", tmp_path / "missing-inbox", tmp_path / "programme")
    result = tick(instance, None, paths)
    assert result.run_requests == [] and "missing-inbox" in result.skip_reason.skip_message
