{#-
    Count distinct units per region and quarter: the headline (`total`) and one cell per value
    of each breakdown column. `units` is a relation with region_code, quarter, unit_id and the
    breakdown columns; `breakdowns` maps a column to the condition under which a unit enters
    that breakdown (e.g. size_class only for enterprises). Cells with no unit are absent here
    and filled with 0 by int_indicator_cells_computed.
-#}
{% macro count_by_breakdowns(units, indicator_code, breakdowns={}) -%}
    select
        region_code, quarter, '{{ indicator_code }}' as indicator_code, 'total' as breakdown,
        count(distinct unit_id) as value
    from {{ units }}
    group by all
    {%- for column, condition in breakdowns.items() %}
    union all
    select
        region_code, quarter, '{{ indicator_code }}' as indicator_code,
        '{{ column }}=' || {{ column }} as breakdown,
        count(distinct unit_id) as value
    from {{ units }}
    where {{ condition }}
    group by all
    {%- endfor %}
{%- endmacro %}
