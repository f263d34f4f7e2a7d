-- OUT04 Events held (cumulative + in-quarter): each event held since the programme start
-- counts from the day it was held; of which international.
-- OUT05 Event participants (cumulative + in-quarter): each such event adds its participants;
-- of which SME participants (events without participants_sme add 0).
with events as (
    select
        events.package_id,
        events.region_code,
        events.event_id as unit_id,
        events.international,
        'international' as of_which,
        events.participants,
        coalesce(events.participants_sme, 0) as participants_sme,
        events.held_on as counts_from,
        cast(null as date) as counts_until,
        concat(
            events.event_type, ' event held ', events.held_on,
            case when events.international then ', international' else '' end, ', ',
            events.participants, ' participants, ',
            coalesce(cast(events.participants_sme as varchar), 'no count of'), ' SME participants'
        ) as fact,
        'events' as source_table,
        events.source_row
    from {{ rows_to_compute(ref('stg_packages__events')) }} as events
    join {{ ref('stg_programme__regions') }} as regions using (region_code)
    where events.held_on >= regions.programme_start
),

sme_participants as (select * replace ('sme' as of_which) from events)

{{ contributions_by_breakdowns('events', 'OUT04', {'of_which': 'international'}) }}
union all
{{ contributions_by_breakdowns('events', 'OUT05', addend='participants') }}
union all
{{ contributions_by_breakdowns(
    'sme_participants', 'OUT05', {'of_which': 'true'}, addend='participants_sme', total=false
) }}
