-- OUT02 Member organisations (stock), by kind and (enterprises) size class, from
-- int_members_listed.
{{ cells_of_contributions(ref('int_members_listed')) }}
