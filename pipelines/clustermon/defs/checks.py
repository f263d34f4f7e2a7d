"""The publication gate: Great Expectations suites run as blocking Dagster asset checks."""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from clustermon.defs.resources import WAREHOUSE_POOL, ClustermonFolders
from clustermon.gate import run_suite
from clustermon.settings import EXPECTATIONS_DIR


@asset_check(
    asset=AssetKey("indicator_values"),
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="Great Expectations suite expectations/indicator_values.json; "
    "errors block publication.",
)
def indicator_values_suite(folders: ClustermonFolders) -> AssetCheckResult:
    result = run_suite(folders.paths().warehouse, EXPECTATIONS_DIR / "indicator_values.json")
    return AssetCheckResult(
        passed=result.passed,
        severity=AssetCheckSeverity.ERROR,
        description=(
            "all blocking expectations met"
            if result.passed
            else "; ".join(o.description for o in result.blocking_failures)
        ),
        metadata={
            "expectations": len(result.outcomes),
            "blocking_failures": len(result.blocking_failures),
            "warnings": len(result.warnings),
            "result": result.to_dict(),
        },
    )
