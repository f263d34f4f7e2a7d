"""dbt assets: staging, intermediate and mart models, built with `dbt build` (tests included)."""

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from clustermon.resources import ClustermonHome, RefreshLock
from clustermon.transform.project import dbt_project, dbt_vars


class LayerTranslator(DagsterDbtTranslator):
    """dbt nodes in the `models` group; marts keyed by their table name, the rest by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if (
            dbt_resource_props["resource_type"] == "model"
            and dbt_resource_props["schema"] == "main"
        ):
            return AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return "models"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:indicators"]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=LayerTranslator(),
)
def indicator_models(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    home: ClustermonHome,
    refresh_lock: RefreshLock,
) -> Iterator[Any]:
    """Build and test the models; dbt tests become Dagster asset checks."""
    paths = home.paths()
    arguments = ["build", *dbt_vars(paths, home.settings())]
    yield from dbt.cli(arguments, context=context, target_path=paths.dbt_target).stream()
