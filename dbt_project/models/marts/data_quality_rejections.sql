-- Packages not in use because they were rejected or held back by the gate, with the reason:
-- the newest receipt of each region's quarter, where no package was accepted after it. A
-- package's reason names tables and rules, never a row's values (those stay in quarantine).
with newest as (
    select
        region_code,
        quarter,
        received_at,
        status,
        message
    from {{ ref('stg_packages__received_packages') }}
    qualify row_number() over (
        partition by region_code, quarter order by received_at desc, status = 'accepted' desc
    ) = 1
)

select
    region_code,
    quarter,
    received_at,
    starts_with(message, 'region ' || region_code || ', quarter ' || quarter || ': held back')
        as held_back_by_gate,
    message as reason
from newest
where status = 'rejected'
order by region_code, quarter
