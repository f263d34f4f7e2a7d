-- OUT02 Member organisations (stock), by kind and (enterprises) size class: each membership
-- spell counts its organisation while it covers d (joined_on <= d < left_on); an organisation
-- with several spells covering d (in two clusters) counts once.
with spells as (
    select
        package_id,
        region_code,
        organisation_id as unit_id,
        kind,
        size_class,
        joined_on as counts_from,
        left_on as counts_until,
        concat(
            kind, ' (', size_class, ') member of cluster ', cluster_id, ' from ', joined_on,
            coalesce(' to ' || left_on, '')
        ) as fact,
        'memberships' as source_table,
        source_row
    from {{ rows_to_compute(ref('int_membership_spells_joined')) }}
)

{{ contributions_by_breakdowns(
    'spells', 'OUT02', {'kind': 'true', 'size_class': "kind = 'enterprise'"}
) }}
