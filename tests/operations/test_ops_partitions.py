"""One region's corrected package is re-ingested alone, in a run the sensor asks for.

Two regions with the skeleton's packages: AT12 and AT13 (a copy). AT13 corrects its 2025Q1
package: cluster C3 did not close on 2025-02-01 after all. The sensor asks for partition
AT13|2025Q1 only; the run reloads that package, rebuilds the models once and publishes. Every raw
row of AT12, and of AT13's 2024Q4 package, stays exactly as it was (received_at included).
"""

import json
import re
import shutil
from datetime import date

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    ExecuteInProcessResult,
    RunRequest,
    build_sensor_context,
)

from clustermon.frontends.cli import main
from clustermon.frontends.status import collect_status, format_status
from clustermon.ingest.assets import PACKAGE_TABLES
from clustermon.ingest.inbox import arrival_rule, scan_inbox
from clustermon.operations.sensors import inbox_sensor
from clustermon.resources import ClustermonHome
from conftest import definitions_for, home_with_fixture, in_own_context, query, run_refresh


def raw_rows(paths, where: str) -> dict[str, list[tuple]]:
    return {
        table: query(paths.warehouse, f"SELECT * FROM raw.{table} WHERE {where} ORDER BY ALL")
        for table in PACKAGE_TABLES
    }


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    """Refresh both regions, then let the sensor and a partition run take AT13's correction."""
    paths = home_with_fixture(tmp_path_factory.mktemp("two-regions"), "skeleton")
    shutil.copytree(paths.inbox / "AT12", paths.inbox / "AT13")
    # Another region's organisations have other names, and its NUTS codes lie in AT13 (Wien has
    # one level-3 region, AT130), as ingestion checks.
    for table in ("clusters", "organisations"):
        for path in (paths.inbox / "AT13").glob(f"*/{table}.csv"):
            text = re.sub(r",AT12\d,", ",AT130,", path.read_text()).replace(",AT12,", ",AT13,")
            path.write_text(text.replace(" GmbH", " KG"))
    with (paths.programme / "regions.csv").open("a") as regions:
        regions.write("AT13,Wien,2024-10-01\n")
    assert run_refresh(paths)
    untouched = "region_code = 'AT12' OR (region_code = 'AT13' AND quarter = '2024Q4')"
    before = raw_rows(paths, untouched)
    package_before = query(
        paths.warehouse,
        "SELECT package_id FROM raw.received_packages WHERE region_code = 'AT13' "
        "AND quarter = '2025Q1'",
    )
    cursor = json.dumps(scan_inbox(paths.inbox, arrival_rule(paths.programme)).packages)

    clusters = paths.inbox / "AT13" / "2025Q1" / "clusters.csv"
    clusters.write_text(clusters.read_text().replace("2015-01-01,2025-02-01", "2015-01-01,"))

    def sensor_tick_and_its_run() -> tuple[RunRequest, ExecuteInProcessResult]:
        with DagsterInstance.from_config(str(paths.dagster_home)) as instance:
            home = ClustermonHome.for_paths(paths)
            context = build_sensor_context(
                instance=instance, cursor=cursor, resources={"home": home}
            )
            [request] = inbox_sensor(context).run_requests
            return request, definitions_for(paths).resolve_job_def("refresh").execute_in_process(
                instance=instance,
                partition_key=request.partition_key,
                tags=request.tags,
                raise_on_error=False,
            )

    request, result = in_own_context(sensor_tick_and_its_run)
    return paths, request, result, before, raw_rows(paths, untouched), package_before, untouched


def test_the_sensor_asks_for_exactly_the_corrected_package(corrected):
    _, request, result, *_ = corrected
    assert request.partition_key == "AT13|2025Q1"
    assert result.success


def test_other_packages_raw_rows_are_untouched(corrected):
    paths, _, _, before, after, package_before, _ = corrected
    assert sum(len(rows) for rows in before.values()) > 0
    assert after == before
    # The corrected package itself was replaced.
    assert query(
        paths.warehouse,
        "SELECT closed_on FROM raw.clusters WHERE region_code = 'AT13' AND quarter = '2025Q1' "
        "AND cluster_id = 'C3'",
    ) == [(None,)]
    assert (
        query(
            paths.warehouse,
            "SELECT package_id FROM raw.received_packages WHERE region_code = 'AT13' "
            "AND quarter = '2025Q1'",
        )
        != package_before
    )


def test_one_partition_materialised_and_models_built_once(corrected):
    _, _, result, *_ = corrected
    materialised = [
        e.event_specific_data.materialization for e in result.get_asset_materialization_events()
    ]
    receipts = AssetKey(["packages", "received_packages"])
    assert [m.partition for m in materialised if m.asset_key == receipts] == ["AT13|2025Q1"]
    # The other package tables are not partitioned: one materialisation each.
    tables = [
        m for m in materialised if m.asset_key.path[0] == "packages" and m.asset_key != receipts
    ]
    assert len(tables) == len(PACKAGE_TABLES) - 1
    assert {m.partition for m in tables} == {None}
    keys = [m.asset_key for m in materialised]
    assert keys.count(AssetKey("indicator_values")) == 1
    assert keys.count(AssetKey("published_warehouse")) == 1
    [received] = [m for m in materialised if m.asset_key == receipts]
    # The 2025Q1 package's rows: clusters 4 + organisations 17 + memberships 12 + projects 5
    # + participations 7 + services 9 + events 2 + outcomes 2 + firm_kpis 3 = 61.
    assert received.metadata["packages_in_run"].value == 1
    assert received.metadata["unchanged"].value == 0
    assert received.metadata["rejected"].value == {}
    assert received.metadata["rows_loaded"].value == 61
    assert received.metadata["rows_quarantined"].value == 0
    # 2 regions x 2 quarters, of which the run's package is one.
    assert received.metadata["rows"].value == 4
    assert received.metadata["rows_of_run_packages"].value == 1


def test_publication_shows_the_correction_for_that_region_only(corrected):
    paths, *_ = corrected
    # OUT01 on 2025-03-31: AT12 C1, C2 (C3 closed 2025-02-01) = 2; AT13 now also C3 = 3.
    # On 2024-12-31 both regions: C1, C2, C3 = 3 (C4 closed on that day).
    assert query(
        paths.published_warehouse,
        "SELECT region_code, quarter, value FROM indicator_values "
        "WHERE indicator_code = 'OUT01' ORDER BY ALL",
    ) == [
        ("AT12", "2024Q4", 3.0),
        ("AT12", "2025Q1", 2.0),
        ("AT13", "2024Q4", 3.0),
        ("AT13", "2025Q1", 3.0),
    ]


def test_status_reads_the_instance_and_the_files(corrected, capsys):
    paths, _, result, *_ = corrected
    with DagsterInstance.from_config(str(paths.dagster_home)) as instance:
        # On 2025-04-20 the last ended quarter is 2025Q1: both regions sent it.
        status = collect_status(paths, instance, date(2025, 4, 20))
        assert status.as_of_quarter == "2025Q1" and status.stale_regions == {}
        assert status.last_refresh.run_id == result.run_id
        assert status.last_refresh.tags["dagster/partition"] == "AT13|2025Q1"
        assert status.publication.run_id == result.run_id
        assert (
            status.publication.rows["indicator_values"] == 2 * 2 * 55
        )  # regions x quarters x cells (dbt_project/seeds/indicator_cells.csv)
        assert status.failing_checks == []
        # On 2025-07-20 2025Q2 has ended and nobody sent it.
        later = collect_status(paths, instance, date(2025, 7, 20))
        assert later.stale_regions == {"AT12": "2025Q1", "AT13": "2025Q1"}
        screen = format_status(paths, later)
    assert "AT12 (newest package 2025Q1), AT13 (newest package 2025Q1)" in screen
    assert f"run {result.run_id[:8]}" in screen

    # Exit 2: by today's date (after 2025Q2) both regions are stale.
    assert main(["status", "--home", str(paths.home)]) == 2
    printed = capsys.readouterr().out
    assert "Last refresh:     SUCCESS" in printed and "packages AT13|2025Q1" in printed
    assert "Failing checks:   none" in printed


def test_status_names_the_failing_check_and_keeps_the_publication(corrected, capsys):
    """Runs last in this module: it breaks the working warehouse's indicators."""
    import duckdb

    paths, _, result, *_ = corrected
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("UPDATE indicator_values SET value = -1 WHERE indicator_code = 'OUT01'")
    assert run_refresh(paths, "publish") is False
    with DagsterInstance.from_config(str(paths.dagster_home)) as instance:
        status = collect_status(paths, instance, date(2025, 4, 20))
    assert status.checks_run.job == "publish"
    assert [check.split(" — ")[0] for check in status.failing_checks] == [
        "indicator_values:indicator_values_suite"
    ]
    assert status.publication.run_id == result.run_id  # the previous publication stays in force
    assert status.last_refresh.run_id == result.run_id
