"""A seeded demo inbox and programme folder (`clustermon demo`).

The pipeline, its tests and its dashboards need data that looks like what regions send,
exercises every rule of the contract and every indicator, and can be published (no real
organisation is in it). Each region's history is simulated once, with integer day
numbers, and each quarter's package is written as the snapshot of that history as of the
quarter's reference date (docs/spec/submission-format.md, "Snapshot semantics"), so
packages of one region agree with each other the way real restated registers do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from clustermon.contract import normalise_quarter, quarter_end
from clustermon.tools.demo.profile import (
    DEFAULT_PROFILE,
    DEMO_QUARTERS,
    DEMO_REGIONS,
    EU_PROFILE,
    EU_QUARTERS,
    EU_REGIONS,
    TRUE_EFFECTS,
    DemoProfile,
    DemoRegion,
    day_number,
    eu_regions,
    nuts_codes,
)
from clustermon.tools.demo.render import region_targets, render_history, snapshot, write_csv
from clustermon.tools.demo.simulate import simulate_region


def write_demo(
    inbox: Path,
    programme: Path,
    *,
    seed: int = 2024,
    regions: Sequence[DemoRegion] = DEMO_REGIONS,
    quarters: Sequence[str] = DEMO_QUARTERS,
    scale: float = 1.0,
    true_effects: Mapping[str, float] = TRUE_EFFECTS,
    profile: DemoProfile = DEFAULT_PROFILE,
    progress: Callable[[int, int, str], None] | None = None,
) -> None:
    """Write a package per region and quarter into `inbox`, and `regions.csv` and
    `targets.csv` into `programme`.

    The same arguments always give the same bytes: each region draws from its own
    generator, seeded from `seed` and the region's position in `regions`. `scale`
    multiplies the number of clusters and of members per cluster; `profile` sets the
    intensity of each table (see DemoProfile). `true_effects` sets the effect of membership
    on each impact outcome (see TRUE_EFFECTS). Regions are simulated
    and written one at a time, so memory stays bounded whatever their number; `progress`,
    if given, is called after each as (regions done, regions in all, region code).
    """
    nuts = nuts_codes()
    references = [(normalise_quarter(q), day_number(quarter_end(q))) for q in quarters]
    targets = []
    for index, region in enumerate(regions):
        rng = np.random.default_rng([seed, index])
        simulated = simulate_region(
            rng, region, nuts, scale, profile, {**TRUE_EFFECTS, **true_effects}
        )
        history = render_history(simulated)
        for quarter, reference in references:
            folder = Path(inbox) / region.code / quarter
            folder.mkdir(parents=True, exist_ok=True)
            for name, frame in snapshot(history, reference).items():
                write_csv(frame, folder / f"{name}.csv")
        targets.append(region_targets(region, simulated.organisations))
        if progress:
            progress(index + 1, len(regions), region.code)
    programme = Path(programme)
    programme.mkdir(parents=True, exist_ok=True)
    listed = pd.DataFrame(
        {
            "region_code": [r.code for r in regions],
            "name": [r.name for r in regions],
            "programme_start": [r.programme_start.isoformat() for r in regions],
        }
    )
    listed.to_csv(programme / "regions.csv", index=False, lineterminator="\n")
    targets = pd.concat(targets, ignore_index=True)
    targets.to_csv(programme / "targets.csv", index=False, lineterminator="\n")


def write_eu_demo(
    inbox: Path,
    programme: Path,
    quarters: Sequence[str] = EU_QUARTERS,
    regions: int = EU_REGIONS,
    scale: float = 1.0,
    seed: int = 2024,
) -> None:
    """The EU profile's packages for the first `regions` EU regions, showing progress."""

    def report(done: int, total: int, code: str) -> None:
        if done % 20 == 0 or done == total:
            print(f"  generated {done}/{total} regions (last {code})", flush=True)

    write_demo(
        inbox,
        programme,
        seed=seed,
        regions=eu_regions(regions),
        quarters=quarters,
        scale=scale,
        profile=EU_PROFILE,
        progress=report,
    )
