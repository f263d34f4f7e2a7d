-- RES05 Member retention (stock, %): of the organisations that were members of any of the
-- region's clusters on the same day a year before d, the share still members on d.
-- Denominator: each spell counts its organisation while it covers the day a year before d,
-- i.e. d in [joined_on + 1 year, left_on + 1 year) (exact, as d is a quarter's last day, never
-- in February). Numerator: each pair of the organisation's spells, one covering the day a year
-- before d and one covering d, counts it while both do: the intersection of the two periods.
with spells as (
    select
        *,
        cast(joined_on + interval 1 year as date) as covers_year_before_from,
        cast(left_on + interval 1 year as date) as covers_year_before_until
    from {{ rows_to_compute(ref('int_membership_spells_joined')) }}
),

members_a_year_before as (
    select
        package_id,
        region_code,
        organisation_id as unit_id,
        covers_year_before_from as counts_from,
        covers_year_before_until as counts_until,
        concat(
            'member of cluster ', cluster_id, ' from ', joined_on, coalesce(' to ' || left_on, ''),
            ', so a year before d'
        ) as fact,
        'memberships' as source_table,
        source_row
    from spells
),

members_still as (
    select
        on_d.package_id,
        on_d.region_code,
        on_d.organisation_id as unit_id,
        greatest(year_before.covers_year_before_from, on_d.joined_on) as counts_from,
        least(year_before.covers_year_before_until, on_d.left_on) as counts_until,
        concat(
            'member of cluster ', on_d.cluster_id, ' from ', on_d.joined_on,
            coalesce(' to ' || on_d.left_on, ''), ', and a year before d of cluster ',
            year_before.cluster_id, ' from ', year_before.joined_on,
            coalesce(' to ' || year_before.left_on, ''), ' (row ', year_before.source_row, ')'
        ) as fact,
        'memberships' as source_table,
        on_d.source_row
    from spells as on_d
    join spells as year_before using (package_id, organisation_id)
    where least(year_before.covers_year_before_until, on_d.left_on) is null
        or greatest(year_before.covers_year_before_from, on_d.joined_on)
            < least(year_before.covers_year_before_until, on_d.left_on)
)

{{ contributions_by_breakdowns('members_a_year_before', 'RES05', role='denominator') }}
union all
{{ contributions_by_breakdowns('members_still', 'RES05', role='numerator') }}
