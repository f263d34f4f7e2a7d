-- RES05 Member retention (stock, %), from int_member_retention_listed; null where nobody was
-- a member a year before d.
{{ shares_of_contributions(ref('int_member_retention_listed'), ['RES05']) }}
