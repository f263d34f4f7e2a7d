"""The inbox sensor: a new or changed package triggers its ingestion and a refresh.

The cursor holds the id of every package folder seen (ingest.package_id: a checksum of the
folder and its files, as ingest.inbox.scan_inbox computes it), so an unchanged re-drop triggers
nothing, and a package restored to an earlier state is still a change. Only folders that have
arrived count (settled, with their _READY marker where the programme requires one:
`PackageFolder.still_arriving`). All packages that changed since the last tick go into one run,
so the models are rebuilt once however many regions sent at the same time.
"""

import json

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from clustermon.ingest.inbox import arrival_rule, scan_inbox
from clustermon.operations.partitions import package_partitions, range_tags
from clustermon.resources import ClustermonHome

CHANGED_TAG = "clustermon/changed_packages"


def _run_request(ordered_keys: list[str], changed: list[str]) -> RunRequest:
    tags = {CHANGED_TAG: ",".join(changed)}
    if len(changed) == 1:
        return RunRequest(partition_key=changed[0], tags=tags)
    # Packages new in this tick are added last, so they form one range on their own; a range
    # over corrections may span unchanged packages, which ingestion skips by checksum.
    return RunRequest(tags={**tags, **range_tags(ordered_keys, changed)})


@sensor(
    job_name="refresh",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches the inbox; a new or changed package (by checksum) is ingested, "
    "alone, and the indicators are rebuilt, checked and published.",
)
def inbox_sensor(context: SensorEvaluationContext, home: ClustermonHome) -> SensorResult:
    paths = home.paths()
    inbox = paths.inbox
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    scan = scan_inbox(inbox, arrival_rule(paths.programme))
    for why in scan.arriving:  # not in the cursor: a later tick takes it once it has arrived
        context.log.info(f"not yet: {why}")
    current = scan.packages
    changed = sorted(key for key, checksum in current.items() if seen.get(key) != checksum)
    cursor = json.dumps({**seen, **current}, sort_keys=True)
    if not changed:
        return SensorResult(skip_reason=f"no new or changed package in {inbox}", cursor=cursor)
    known = list(context.instance.get_dynamic_partitions(package_partitions.name))
    new = [key for key in changed if key not in known]
    context.log.info(f"packages new or changed: {', '.join(changed)}")
    return SensorResult(
        run_requests=[_run_request([*known, *new], changed)],
        dynamic_partitions_requests=[package_partitions.build_add_request(new)] if new else [],
        cursor=cursor,
    )
