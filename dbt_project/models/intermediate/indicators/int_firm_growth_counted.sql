-- RCR01 Jobs created (with the number of enterprises summed over, for suppression), RCR19
-- Enterprises with higher turnover, RCR25 SMEs with higher value added per employee, from
-- int_firm_growth_listed.
{{ cells_of_contributions(ref('int_firm_growth_listed'), n_enterprises=true) }}
