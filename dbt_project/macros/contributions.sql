{#-
    Contributions: the units an indicator cell counts, sums or divides, each with the fact that
    makes it count, where that fact comes from (its package's table and row) and the days it
    counts on. The models of models/intermediate/contributions/ list them once per package;
    the indicator models aggregate them per quarter (cells_of_contributions,
    shares_of_contributions) and `clustermon explain` lists them for one cell
    (int_indicator_contributions_expanded): one definition behind the number and its
    explanation. A contribution counts in quarter Q when counts_from <= d < counts_until (d the
    quarter's last day; counts_until null: from counts_from on), and within the quarter too when
    counts_from is on or after the quarter's first day in the programme.
    Roles: `unit` (the cell counts distinct unit_ids), `addend` (the cell sums addend),
    `numerator` and `denominator` (the cell is 100 x distinct numerator units / distinct
    denominator units, null without denominator units).
-#}

{#- Contributions of one indicator: each row of `units` for the headline (`total`) and for one
    cell of each breakdown column, where its condition holds (as the cells are published).
    `units` has package_id, region_code, unit_id, counts_from, counts_until, fact, source_table,
    source_row and the breakdown columns; `addend`, for a sum, is what each unit adds. -#}
{% macro contributions_by_breakdowns(
    units, indicator_code, breakdowns={}, addend=none, role=none, total=true
) -%}
    {%- set cells = [('total', "'total'", 'true')] if total else [] -%}
    {%- for column, condition in breakdowns.items() -%}
        {%- do cells.append((column, "'" ~ column ~ "=' || " ~ column, condition)) -%}
    {%- endfor -%}
    {%- for _, breakdown, condition in cells %}
    {% if not loop.first %}union all{% endif %}
    select
        package_id,
        region_code,
        '{{ indicator_code }}' as indicator_code,
        {{ breakdown }} as breakdown,
        '{{ role or ('addend' if addend else 'unit') }}' as role,
        unit_id,
        cast({{ addend or 'null' }} as decimal(18, 6)) as addend,
        counts_from,
        counts_until,
        fact,
        source_table,
        source_row
    from {{ units }}
    where {{ condition }}
    {%- endfor %}
{%- endmacro %}

{#- Each contribution of `contributions` with each quarter of `quarters` it counts in. -#}
{% macro contributions_in_quarters(quarters, contributions) -%}
    select
        quarters.quarter,
        contributions.*,
        contributions.counts_from >= quarters.in_quarter_start as is_in_quarter
    from {{ quarters }} as quarters
    join {{ contributions }} as contributions
        on contributions.package_id = quarters.package_id
        and contributions.counts_from <= quarters.quarter_end
        and (
            contributions.counts_until is null
            or contributions.counts_until > quarters.quarter_end
        )
{%- endmacro %}

{#- The cells of counts and sums, per package computed and quarter: distinct units, or the sum
    of the addends. `in_quarter` adds value_in_quarter (the quarter alone); `n_enterprises`,
    for a sum over enterprises, the enterprises it sums over (for suppression). Cells with no
    contribution are absent here and filled with 0 by int_indicator_cells_computed. -#}
{% macro cells_of_contributions(contributions, in_quarter=false, n_enterprises=false) -%}
    {%- set sums = "bool_and(role = 'addend')" -%}
    select
        package_id,
        region_code,
        quarter,
        indicator_code,
        breakdown,
        cast(case when {{ sums }} then sum(addend) else count(distinct unit_id) end as double)
            as value
        {%- if in_quarter %},
        cast(
            case
                when {{ sums }} then coalesce(sum(addend) filter (where is_in_quarter), 0)
                else count(distinct unit_id) filter (where is_in_quarter)
            end as double
        ) as value_in_quarter
        {%- endif %}
        {%- if n_enterprises %},
        cast(count(distinct unit_id) as double) as n_enterprises
        {%- endif %}
    from ({{ contributions_in_quarters(
        rows_to_compute(ref('int_quarters_enumerated')), rows_to_compute(contributions)
    ) }})
    group by all
{%- endmacro %}

{#- The cells of shares (`total` only), per package computed and quarter: every quarter gets a
    row for each of `indicator_codes`, null where no unit is in the denominator. -#}
{% macro shares_of_contributions(contributions, indicator_codes) -%}
    select
        quarters.package_id,
        quarters.region_code,
        quarters.quarter,
        codes.indicator_code,
        'total' as breakdown,
        100.0 * count(distinct units.unit_id) filter (where units.role = 'numerator')
            / nullif(count(distinct units.unit_id) filter (where units.role = 'denominator'), 0)
            as value
    from {{ rows_to_compute(ref('int_quarters_enumerated')) }} as quarters
    cross join (
        values
        {%- for code in indicator_codes %} ('{{ code }}'){{ ',' if not loop.last }}{% endfor %}
    ) as codes (indicator_code)
    left join ({{ contributions_in_quarters(
        rows_to_compute(ref('int_quarters_enumerated')), rows_to_compute(contributions)
    ) }}) as units
        using (package_id, quarter, indicator_code)
    group by all
{%- endmacro %}
