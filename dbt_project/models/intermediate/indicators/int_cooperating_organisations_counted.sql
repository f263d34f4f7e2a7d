-- RCO07 Research institutions in joint research projects, RCO10 Enterprises cooperating with
-- research institutions, RCO87 Organisations cooperating across borders (cumulative), from
-- int_cooperating_organisations_listed.
{{ cells_of_contributions(ref('int_cooperating_organisations_listed')) }}
