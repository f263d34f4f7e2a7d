"""The one Dagster entry point: `dagster dev` and the `clustermon` CLI load these definitions."""

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from clustermon.defs.checks import indicator_values_suite
from clustermon.defs.dbt_assets import indicator_models
from clustermon.defs.docs_assets import dbt_docs
from clustermon.defs.ingest_assets import raw_tables
from clustermon.defs.publish_assets import dashboard_site, published_warehouse
from clustermon.defs.resources import RESOURCES

refresh_job = define_asset_job(
    "refresh",
    selection=AssetSelection.all(),
    description="Ingest every package, build and test the models, run the gate, publish, "
    "build the site.",
)

publish_job = define_asset_job(
    "publish",
    selection=AssetSelection.assets(published_warehouse, dashboard_site, dbt_docs)
    | AssetSelection.checks(indicator_values_suite),
    description="Re-run the gate on the working warehouse as it is, then publish and build "
    "the site.",
)

defs = Definitions(
    assets=[raw_tables, indicator_models, published_warehouse, dashboard_site, dbt_docs],
    asset_checks=[indicator_values_suite],
    jobs=[refresh_job, publish_job],
    resources=RESOURCES,
    # DuckDB allows one writer: steps run one after another in one process.
    executor=in_process_executor,
)
