-- RES06 Labelled cluster organisations (stock), by label: each cluster labelled bronze, silver
-- or gold counts while active (as OUT01) and its label is valid (label_valid_until >= d: up to
-- and including that day).
with labelled_clusters as (
    select
        package_id,
        region_code,
        cluster_id as unit_id,
        label,
        founded_on as counts_from,
        least(closed_on, cast(label_valid_until + interval 1 day as date)) as counts_until,
        concat(
            'cluster organisation founded ', founded_on,
            coalesce(', closed ' || closed_on, ', not closed'),
            ', label ', label, ' valid until ', label_valid_until
        ) as fact,
        'clusters' as source_table,
        source_row
    from {{ rows_to_compute(ref('stg_packages__clusters')) }}
    where label in ('bronze', 'silver', 'gold') and label_valid_until is not null
)

{{ contributions_by_breakdowns('labelled_clusters', 'RES06', {'label': 'true'}) }}
