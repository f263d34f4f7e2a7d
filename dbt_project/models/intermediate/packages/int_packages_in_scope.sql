-- The packages computed (macros/packages_in_scope.sql): each region's package in use (its
-- newest accepted package) is the source of every published indicator of every quarter; the
-- accepted package before it is computed too, for the revisions.
{{ packages_in_scope(ref('stg_packages__received_packages'), ref('stg_programme__regions')) }}
