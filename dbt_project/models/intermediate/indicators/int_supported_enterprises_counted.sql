-- RCO01 Enterprises supported (by size class), RCO02 supported by grants, RCO04 with
-- non-financial support (cumulative), from int_supported_enterprises_listed.
{{ cells_of_contributions(ref('int_supported_enterprises_listed')) }}
