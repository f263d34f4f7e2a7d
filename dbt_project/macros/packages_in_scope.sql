{#- The packages computed (int_packages_in_scope), from the receipts and the listed regions:
    each region's newest accepted package, which restates the whole past (snapshot semantics),
    and the accepted package before it, so that revisions can be shown without a second copy
    of every model. A macro, as the tests of the package staging models pick the same packages
    (macros/tests_of_new_packages.sql) before int_packages_in_scope is rebuilt. -#}
{% macro packages_in_scope(received_packages, regions) -%}
select
    received.region_code,
    received.package_id,
    received.quarter as package_quarter,
    received.reference_date,
    row_number() over newest_first = 1 as in_use
from {{ received_packages }} as received
semi join {{ regions }} as regions using (region_code)
where received.status = 'accepted'
window newest_first as (partition by received.region_code order by received.reference_date desc)
qualify row_number() over newest_first <= 2
{%- endmacro %}
