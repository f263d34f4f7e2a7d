-- RES06 Labelled cluster organisations (stock): active clusters (as OUT01) whose label is
-- bronze, silver or gold with label_valid_until >= d (a label is valid up to and including
-- that day); by label.
with labelled_clusters as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        clusters.cluster_id as unit_id,
        clusters.label
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ rows_to_compute(ref('stg_packages__clusters')) }} as clusters
        on clusters.package_id = quarters.package_id
        and clusters.founded_on <= quarters.quarter_end
        and (clusters.closed_on is null or clusters.closed_on > quarters.quarter_end)
    where clusters.label in ('bronze', 'silver', 'gold')
        and clusters.label_valid_until >= quarters.quarter_end
)

{{ aggregate_by_breakdowns('labelled_clusters', 'RES06', {'label': 'true'}) }}
