-- OUT03 Projects started (cumulative + in-quarter), by project type, from int_projects_listed.
{{ cells_of_contributions(ref('int_projects_listed'), in_quarter=true) }}
