"""The publication gate: one blocking Dagster asset check per Great Expectations suite.

Every `expectations/*.json` file becomes a check on the asset its `meta.asset` names: contract
suites on the raw tables (`packages/...`) run right after ingestion, so a failure stops dbt;
indicator suites on the marts run after dbt. The publication asset depends on every gated
asset, so every blocking check is upstream of it in every job that includes the check.
"""

from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    asset_check,
)

from clustermon.gate.suites import declaration, run_suite
from clustermon.gate.validation_report import record_result
from clustermon.home import EXPECTATIONS_DIR
from clustermon.resources import ClustermonHome, RefreshLock


def suite_check(suite_file: Path) -> AssetChecksDefinition:
    """A blocking check that runs one suite file and records its result in the run's report."""
    declared = declaration(suite_file)

    @asset_check(
        asset=AssetKey(list(declared.asset)),
        name=f"{suite_file.stem}_suite",
        blocking=True,
        description=f"Great Expectations suite expectations/{suite_file.name} on "
        f"{declared.table}; errors block publication, warnings are reported.",
    )
    def _check(
        context: AssetCheckExecutionContext, home: ClustermonHome, refresh_lock: RefreshLock
    ) -> AssetCheckResult:
        paths = home.paths()
        result = run_suite(paths.warehouse, suite_file, parameters=home.settings().model_dump())
        page = record_result(paths.published, context.run.run_id, result)
        return AssetCheckResult(
            passed=result.passed,
            severity=AssetCheckSeverity.ERROR,
            description=(
                f"all blocking expectations met ({len(result.warnings)} warnings)"
                if result.passed
                else "; ".join(o.description for o in result.blocking_failures)
            ),
            metadata={
                "table": declared.table,
                "expectations": len(result.outcomes),
                "blocking_failures": len(result.blocking_failures),
                "warnings": len(result.warnings),
                "report": str(page),
                "result": result.to_dict(),
            },
        )

    return _check


SUITE_FILES = sorted(EXPECTATIONS_DIR.glob("*.json"))
GATE_CHECKS = [suite_check(file) for file in SUITE_FILES]
GATED_ASSETS = sorted({AssetKey(list(declaration(f).asset)) for f in SUITE_FILES})
