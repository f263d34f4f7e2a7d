-- RES05 Member retention (stock, %): of the organisations that were members of any of the
-- region's clusters on the same day a year before d, the share still members on d. Null where
-- nobody was a member a year before.
with members_on as (
    select distinct
        quarters.package_id,
        quarters.quarter,
        spells.organisation_id,
        spells.joined_on <= quarters.quarter_end
            and (spells.left_on is null or spells.left_on > quarters.quarter_end) as is_member_on_d
    from {{ ref('int_quarters_enumerated') }} as quarters
    join {{ ref('int_membership_spells_selected') }} as spells
        on spells.package_id = quarters.package_id
),

members_a_year_before as (
    select
        quarters.package_id,
        quarters.quarter,
        spells.organisation_id
    from {{ ref('int_quarters_enumerated') }} as quarters
    join {{ ref('int_membership_spells_selected') }} as spells
        on spells.package_id = quarters.package_id
        and spells.joined_on <= cast(quarters.quarter_end - interval 1 year as date)
        and (
            spells.left_on is null
            or spells.left_on > cast(quarters.quarter_end - interval 1 year as date)
        )
),

retained as (
    select
        earlier.package_id,
        earlier.quarter,
        earlier.organisation_id,
        coalesce(bool_or(members_on.is_member_on_d), false) as is_still_member
    from members_a_year_before as earlier
    left join members_on using (package_id, quarter, organisation_id)
    group by all
)

select
    quarters.package_id,
    quarters.region_code,
    quarters.quarter,
    'RES05' as indicator_code,
    'total' as breakdown,
    100.0 * count(distinct retained.organisation_id) filter (where retained.is_still_member)
        / nullif(count(distinct retained.organisation_id), 0) as value
from {{ ref('int_quarters_enumerated') }} as quarters
left join retained using (package_id, quarter)
group by all
