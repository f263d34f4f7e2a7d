"""Impact estimates (IMP01-IMP04): a Python asset downstream of the dbt firm-year panel."""

from dagster import AssetKey, MaterializeResult, asset

from clustermon.impact.estimates_table import write_impact_estimates
from clustermon.impact.estimator import MIN_COMPARISON, MIN_TREATED
from clustermon.resources import ClustermonHome, RefreshLock


@asset(
    deps=[
        AssetKey(["intermediate", "int_firm_years_assembled"]),
        AssetKey(["intermediate", "int_packages_in_scope"]),
    ],
    group_name="models",
    owners=["team:indicators"],
)
def impact_estimates(home: ClustermonHome, refresh_lock: RefreshLock) -> MaterializeResult:
    """IMP01-IMP04: difference-in-differences effects of cluster membership per region and for
    all regions, horizons 1-3, with 95% intervals and pre-trend placebos (main.impact_estimates).
    Regions whose firm-year panel did not change keep their estimates."""
    refresh = write_impact_estimates(home.paths().warehouse)
    estimates = refresh.estimates
    estimable = estimates[estimates["estimable"]]
    return MaterializeResult(
        metadata={
            "rows": len(estimates),
            "estimable": len(estimable),
            "pre_trend_doubtful": int(estimable["pre_trend_doubtful"].fillna(False).sum()),
            "re_estimated": ", ".join(refresh.recomputed) or "none: no region's panel changed",
            "minimum_cell": f"{MIN_TREATED} treated and {MIN_COMPARISON} comparison firms",
        }
    )
