-- OUT01 Active cluster organisations (stock): each cluster counts from its founded_on to its
-- closed_on (founded_on <= d and (closed_on null or > d)).
with clusters as (
    select
        package_id,
        region_code,
        cluster_id as unit_id,
        founded_on as counts_from,
        closed_on as counts_until,
        concat(
            'cluster organisation founded ', founded_on,
            coalesce(', closed ' || closed_on, ', not closed')
        ) as fact,
        'clusters' as source_table,
        source_row
    from {{ rows_to_compute(ref('stg_packages__clusters')) }}
)

{{ contributions_by_breakdowns('clusters', 'OUT01') }}
