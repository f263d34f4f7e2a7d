-- RCR06 Patent applications, RCR07 Trademark and design applications, RCR08 Publications from
-- supported projects (cumulative sums of quantity), from int_applications_listed.
{{ cells_of_contributions(ref('int_applications_listed')) }}
