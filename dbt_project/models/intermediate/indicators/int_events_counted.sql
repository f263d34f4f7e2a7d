-- OUT04 Events held (of which international) and OUT05 Event participants (of which SME),
-- cumulative + in-quarter, from int_events_listed.
{{ cells_of_contributions(ref('int_events_listed'), in_quarter=true) }}
