{#-
    Aggregate units per package and quarter: the headline (`total`) and one cell per value of
    each breakdown column. `units` is a relation with package_id, region_code, quarter, unit_id
    and the breakdown columns; `breakdowns` maps a column to the condition under which a unit
    enters that breakdown (e.g. size_class only for enterprises). `value` is the aggregate
    (a distinct count by default); `value_in_quarter`, for flows, the same over the quarter
    alone; `n_enterprises`, for sums over enterprises, how many they sum over. `total=false`
    leaves out the headline, for a breakdown measured differently from it. Cells with no unit
    are absent here and filled with 0 by int_indicator_cells_computed.
-#}
{% macro aggregate_by_breakdowns(
    units,
    indicator_code,
    breakdowns={},
    value='count(distinct unit_id)',
    value_in_quarter=none,
    n_enterprises=none,
    total=true
) -%}
    {%- set cells = [('total', "'total'", 'true')] if total else [] -%}
    {%- for column, condition in breakdowns.items() -%}
        {%- do cells.append((column, "'" ~ column ~ "=' || " ~ column, condition)) -%}
    {%- endfor -%}
    {%- for _, breakdown, condition in cells %}
    {% if not loop.first %}union all{% endif %}
    select
        package_id, region_code, quarter, '{{ indicator_code }}' as indicator_code,
        {{ breakdown }} as breakdown,
        cast({{ value }} as double) as value
        {%- if value_in_quarter %},
        cast({{ value_in_quarter }} as double) as value_in_quarter
        {%- endif %}
        {%- if n_enterprises %},
        cast({{ n_enterprises }} as double) as n_enterprises
        {%- endif %}
    from {{ units }}
    where {{ condition }}
    group by all
    {%- endfor %}
{%- endmacro %}
