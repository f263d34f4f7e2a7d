-- RES05 Member retention (stock, %): of the organisations that were members of any of the
-- region's clusters on the same day a year before d, the share still members on d. Null where
-- nobody was a member a year before.
-- One pass over the spells started by d settles both days for each organisation (a spell
-- covering the day a year before d started before d too).
with membership_by_quarter as (
    select
        quarters.package_id,
        quarters.quarter,
        spells.organisation_id,
        bool_or(spells.left_on is null or spells.left_on > quarters.quarter_end) as is_member_on_d,
        bool_or(
            spells.joined_on <= quarters.year_before_end
            and (spells.left_on is null or spells.left_on > quarters.year_before_end)
        ) as was_member_a_year_before
    from (
        select *, cast(quarter_end - interval 1 year as date) as year_before_end
        from {{ rows_to_compute(ref('int_quarters_enumerated')) }}
    ) as quarters
    join {{ ref('int_membership_spells_joined') }} as spells
        on spells.package_id = quarters.package_id
        and spells.joined_on <= quarters.quarter_end
    group by all
)

select
    quarters.package_id,
    quarters.region_code,
    quarters.quarter,
    'RES05' as indicator_code,
    'total' as breakdown,
    100.0 * count(*) filter (where members.was_member_a_year_before and members.is_member_on_d)
        / nullif(count(*) filter (where members.was_member_a_year_before), 0) as value
from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
left join membership_by_quarter as members using (package_id, quarter)
group by all
