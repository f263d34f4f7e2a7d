"""The one Dagster entry point: `dagster dev` and the `clustermon` CLI load these definitions."""

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from clustermon.defs.checks import GATE_CHECKS
from clustermon.defs.dbt_assets import indicator_models
from clustermon.defs.docs_assets import dbt_docs
from clustermon.defs.impact_assets import impact_estimates
from clustermon.defs.ingest_assets import programme_tables, raw_tables
from clustermon.defs.publish_assets import dashboard_site, published_warehouse
from clustermon.defs.resources import RESOURCES
from clustermon.defs.schedules import quarterly_refresh
from clustermon.defs.sensors import inbox_sensor

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

defs = Definitions(
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
    sensors=[inbox_sensor],
    resources=RESOURCES,
    # The steps form one chain, so one process loses nothing and saves a start-up per step;
    # across runs, the warehouse pool (dagster.yaml) keeps DuckDB to one writer.
    executor=in_process_executor,
)
