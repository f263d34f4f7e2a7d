"""Partitions: one per regional package (`AT12|2025Q4`), added as packages arrive in the inbox.

Dynamic keys rather than region x quarter: only packages that exist become partitions, a new
region needs no code change, and keys keep the order they were added in, so the packages of one
inbox drop form one contiguous range that a single run ingests (single-run backfill policy).
Packages to load again (corrected, or rejected before) move to the end of that order first.
"""

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from dagster import DagsterInstance, DynamicPartitionsDefinition
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from clustermon.ingest.inbox import keys_to_ingest

package_partitions = DynamicPartitionsDefinition(name="packages")


def register_packages(instance: DagsterInstance, keys: Collection[str]) -> list[str]:
    """Add the keys not yet known; return every package key in partition order."""
    known = instance.get_dynamic_partitions(package_partitions.name)
    new = sorted(set(keys) - set(known))
    if new:
        instance.add_dynamic_partitions(package_partitions.name, new)
    return [*known, *new]


def _moved_last(instance: DagsterInstance, ordered: list[str], keys: Collection[str]) -> list[str]:
    """Put `keys` at the end of the partition order (deleted and added again) unless they
    already form its last range: a package corrected or rejected long ago would otherwise
    stretch a run's range over every package received since."""
    if set(ordered[-len(keys) :]) == set(keys):
        return ordered
    for key in keys:
        instance.delete_dynamic_partition(package_partitions.name, key)
    instance.add_dynamic_partitions(package_partitions.name, sorted(keys))
    return [*(key for key in ordered if key not in keys), *sorted(keys)]


def range_tags(ordered_keys: Sequence[str], selected: Collection[str]) -> dict[str, str]:
    """Run tags for one run over the smallest key range that holds every selected key."""
    positions = [ordered_keys.index(key) for key in selected]
    return {
        ASSET_PARTITION_RANGE_START_TAG: ordered_keys[min(positions)],
        ASSET_PARTITION_RANGE_END_TAG: ordered_keys[max(positions)],
    }


def run_package_keys(instance: DagsterInstance, tags: Mapping[str, str]) -> list[str]:
    """The package keys a run was over, by its partition or range tags (`range_tags`)."""
    if PARTITION_NAME_TAG in tags:
        return [tags[PARTITION_NAME_TAG]]
    if ASSET_PARTITION_RANGE_START_TAG not in tags:
        return []
    ordered = instance.get_dynamic_partitions(package_partitions.name)
    start, end = tags[ASSET_PARTITION_RANGE_START_TAG], tags[ASSET_PARTITION_RANGE_END_TAG]
    if start not in ordered or end not in ordered:
        return [start, end]  # the order changed since (packages moved last): its ends at least
    return ordered[ordered.index(start) : ordered.index(end) + 1]


def refresh_tags(
    instance: DagsterInstance, scanned: dict[str, str], warehouse: Path
) -> dict[str, str] | None:
    """Run tags for a refresh over the scanned inbox (`ingest.inbox.scan_inbox`; None when it is
    empty): the range of the packages ingestion would load. With none to load, the newest
    package alone, which ingestion skips: a run over every package would only cost Dagster an
    event per package for nothing."""
    if not scanned:
        return None
    ordered = register_packages(instance, scanned)
    to_ingest = keys_to_ingest(scanned, warehouse)
    if not to_ingest:
        return range_tags(ordered, [max(scanned, key=ordered.index)])
    return range_tags(_moved_last(instance, ordered, to_ingest), to_ingest)
