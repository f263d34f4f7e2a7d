-- OUT01 Active cluster organisations (stock): founded_on <= d and (closed_on null or > d).
with active_clusters as (
    select quarters.package_id, quarters.region_code, quarters.quarter, clusters.cluster_id as unit_id
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ rows_to_compute(ref('stg_packages__clusters')) }} as clusters
        on clusters.package_id = quarters.package_id
        and clusters.founded_on <= quarters.quarter_end
        and (clusters.closed_on is null or clusters.closed_on > quarters.quarter_end)
)

{{ aggregate_by_breakdowns('active_clusters', 'OUT01') }}
