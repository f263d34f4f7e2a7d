{#-
    One pass of secondary suppression over the breakdown families selected by `families`
    (a condition on family_total). In a family whose total cell is published and in which
    exactly one cell is suppressed, also suppress the smallest other cell (ties: cell_order).
-#}
{% macro suppress_secondary(cells, families) -%}
    select
        cells.* replace (cells.suppressed or coalesce(complements.is_complement, false) as suppressed)
    from {{ cells }} as cells
    left join (
        select
            members.package_id, members.quarter, members.indicator_code, members.breakdown,
            true as is_complement
        from {{ cells }} as members
        join {{ cells }} as totals
            on totals.package_id = members.package_id
            and totals.quarter = members.quarter
            and totals.indicator_code = members.indicator_code
            and totals.breakdown = members.family_total
        where members.family_total is not null and ({{ families }}) and not totals.suppressed
        window family as (
            partition by members.package_id, members.quarter, members.indicator_code,
                members.family_total
        )
        qualify
            count(*) filter (where members.suppressed) over family = 1
            and not members.suppressed
            and row_number() over (
                partition by members.package_id, members.quarter, members.indicator_code,
                    members.family_total, members.suppressed
                order by members.value, members.cell_order
            ) = 1
    ) as complements using (package_id, quarter, indicator_code, breakdown)
{%- endmacro %}
