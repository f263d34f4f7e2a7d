-- OUT02 Member organisations (stock): distinct organisations with a membership spell covering
-- d in any of the region's clusters; by kind, and enterprises by size_class.
with members as (
    select distinct
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        spells.organisation_id as unit_id,
        spells.kind,
        spells.size_class
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ ref('int_membership_spells_joined') }} as spells
        on spells.package_id = quarters.package_id
        and spells.joined_on <= quarters.quarter_end
        and (spells.left_on is null or spells.left_on > quarters.quarter_end)
)

-- One row per member and quarter (distinct above), so a count of rows counts members.
{{ aggregate_by_breakdowns(
    'members', 'OUT02', {'kind': 'true', 'size_class': "kind = 'enterprise'"}, value='count(*)'
) }}
