-- Membership spells of the packages computed, with the member's kind and size class.
-- Spells are half-open: a spell covers day d when joined_on <= d < left_on.
select
    memberships.package_id,
    memberships.region_code,
    memberships.cluster_id,
    memberships.organisation_id,
    memberships.joined_on,
    memberships.left_on,
    memberships.source_row,
    organisations.kind,
    coalesce(organisations.size_class, 'unknown') as size_class
from {{ rows_to_compute(ref('stg_packages__memberships')) }} as memberships
join {{ rows_to_compute(ref('stg_packages__organisations')) }} as organisations
    using (package_id, organisation_id)
