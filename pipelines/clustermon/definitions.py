"""The one Dagster entry point: `dagster dev`, the service and the `clustermon` CLI load these
definitions, each with its own folders (`build_definitions`)."""

from dagster import (
    AssetSelection,
    Definitions,
    colored_console_logger,
    define_asset_job,
    in_process_executor,
)

from clustermon.gate.asset_checks import GATE_CHECKS
from clustermon.impact.assets import impact_estimates
from clustermon.ingest.assets import programme_tables, raw_tables
from clustermon.operations.alerts import failure_alerts, findings_alerts
from clustermon.operations.progress import progress_logger
from clustermon.operations.schedules import quarterly_refresh
from clustermon.operations.sensors import inbox_sensor
from clustermon.publish.assets import published_warehouse
from clustermon.publish.dbt_docs import dbt_docs
from clustermon.resources import ClustermonHome, RefreshLock
from clustermon.site.assets import dashboard_site
from clustermon.transform.assets import indicator_models
from clustermon.transform.project import dbt_resource

refresh_job = define_asset_job(
    "refresh",
    selection=AssetSelection.all(),
    description="Ingest the run's packages (one partition each, many in one run), reload the "
    "programme, build and test the models, run the gate, publish, build the site.",
)

publish_job = define_asset_job(
    "publish",
    selection=AssetSelection.assets(published_warehouse, dashboard_site, dbt_docs)
    | AssetSelection.checks(*GATE_CHECKS),
    description="Re-run the gate on the working warehouse as it is, then publish and build "
    "the site.",
)


def build_definitions(home: ClustermonHome) -> Definitions:
    """The asset graph, jobs, schedule and sensor, working on the folders of `home`."""
    return Definitions(
        assets=[
            programme_tables,
            raw_tables,
            indicator_models,
            impact_estimates,
            published_warehouse,
            dashboard_site,
            dbt_docs,
        ],
        asset_checks=GATE_CHECKS,
        jobs=[refresh_job, publish_job],
        schedules=[quarterly_refresh],
        sensors=[inbox_sensor, failure_alerts, findings_alerts],
        resources={"home": home, "dbt": dbt_resource(), "refresh_lock": RefreshLock(home=home)},
        # The CLI's one line per step; Dagster's own console log for `--verbose` and the UI.
        loggers={"progress": progress_logger, "console": colored_console_logger},
        # The steps form one chain, so one process loses nothing and saves a start-up per step;
        # across runs, the refresh lock keeps DuckDB to one writer.
        executor=in_process_executor,
    )


defs = build_definitions(ClustermonHome.from_environment())
