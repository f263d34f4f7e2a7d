-- OUT04 Events held (cumulative + in-quarter): events in period; of which international.
-- OUT05 Event participants (cumulative + in-quarter): sum of participants; of which SME
-- participants (events without participants_sme add 0).
with events as (
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        events.event_id as unit_id,
        events.international,
        'international' as of_which,
        events.participants,
        coalesce(events.participants_sme, 0) as participants_sme,
        events.held_on >= quarters.in_quarter_start as is_in_quarter
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    join {{ rows_to_compute(ref('stg_packages__events')) }} as events
        on events.package_id = quarters.package_id
        and events.held_on between quarters.programme_start and quarters.quarter_end
),

sme_participants as (select * replace ('sme' as of_which) from events)

{{ aggregate_by_breakdowns(
    'events', 'OUT04', {'of_which': 'international'},
    value_in_quarter='count(distinct unit_id) filter (where is_in_quarter)'
) }}
union all by name
{{ aggregate_by_breakdowns(
    'events', 'OUT05',
    value='sum(participants)',
    value_in_quarter='coalesce(sum(participants) filter (where is_in_quarter), 0)'
) }}
union all by name
{{ aggregate_by_breakdowns(
    'sme_participants', 'OUT05', {'of_which': 'true'},
    value='sum(participants_sme)',
    value_in_quarter='coalesce(sum(participants_sme) filter (where is_in_quarter), 0)',
    total=false
) }}
