-- RCR03 and RCR04: supported SMEs with an innovation outcome on or after their first support
-- date (cumulative), from int_innovating_smes_listed.
{{ cells_of_contributions(ref('int_innovating_smes_listed')) }}
