-- OUT06 Public support committed (cumulative + in-quarter) and RCR02 Private investments
-- matching public support, from int_public_support_listed. Both are public spending summed over
-- projects: never suppressed.
{{ cells_of_contributions(ref('int_public_support_listed'), in_quarter=true) }}
