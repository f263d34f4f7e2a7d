{#-
    Confidentiality (spec 1.1) of `cells`, a relation of cells with their threshold; adds
    `suppressed`. Primary: an enterprise cell counting or summing over 1 .. threshold-1
    enterprises. Secondary (suppress_secondary): a family with a published total and a hidden
    cell that subtraction would pin gets a cell above the threshold withheld, or its total.
    The nested families go first (OUT02 enterprises by size class, whose total kind=enterprise
    is itself a cell of OUT02 by kind), then the headline ones: withholding kind=enterprise can
    expose OUT02 by kind, while a cell the headline pass withholds is in no nested family or is
    the total of one, which exposes nothing. So the two passes reach the spec's "repeat until
    nothing changes"; the test suppression_settled checks it.
-#}
{% macro suppress_cells(cells) -%}
    with primary_suppressed as (
        select
            *,
            enterprise_cell and n_enterprises between 1 and threshold - 1 as suppressed
        from {{ cells }}
    ),

    nested_families as (
        {{ suppress_secondary('primary_suppressed', "members.family_total <> 'total'") }}
    ),

    headline_families as (
        {{ suppress_secondary('nested_families', "members.family_total = 'total'") }}
    )

    select * from headline_families
{%- endmacro %}


{#-
    One pass of secondary suppression (spec 1.1, "Confidentiality") over the breakdown families
    selected by `families` (a condition on family_total). A family whose total is published
    needs a further cell withheld when exactly one of its cells is suppressed, or several of
    which none exceeds the threshold: then `total - published cells` would pin them. The cell
    withheld is the smallest published cell whose value exceeds the threshold (ties:
    cell_order), so every hidden cell keeps a second feasible value; a family without one has
    its total withheld instead.
-#}
{% macro suppress_secondary(cells, families) -%}
    with families_exposed as (
        {{ families_exposed(cells, families) }}
    ),

    cells_above_threshold as (
        select members.package_id, members.quarter, members.indicator_code, members.breakdown,
            members.family_total
        from {{ cells }} as members
        semi join families_exposed using (package_id, quarter, indicator_code, family_total)
        where not members.suppressed and members.value > members.threshold
        qualify row_number() over (
            partition by members.package_id, members.quarter, members.indicator_code,
                members.family_total
            order by members.value, members.cell_order
        ) = 1
    ),

    withheld as (
        select package_id, quarter, indicator_code, breakdown from cells_above_threshold
        union all
        select package_id, quarter, indicator_code, family_total as breakdown
        from families_exposed
        anti join cells_above_threshold using (package_id, quarter, indicator_code, family_total)
    )

    select cells.* replace (cells.suppressed or withheld.breakdown is not null as suppressed)
    from {{ cells }} as cells
    left join withheld using (package_id, quarter, indicator_code, breakdown)
{%- endmacro %}


{#- The families selected by `families` whose published total, less their published cells,
    would pin the hidden ones: exactly one cell suppressed, or several and none above the
    threshold. -#}
{% macro families_exposed(cells, families) -%}
    select
        members.package_id, members.quarter, members.indicator_code, members.family_total
    from {{ cells }} as members
    join {{ cells }} as totals
        on totals.package_id = members.package_id
        and totals.quarter = members.quarter
        and totals.indicator_code = members.indicator_code
        and totals.breakdown = members.family_total
    where members.family_total is not null and ({{ families }}) and not totals.suppressed
    group by all
    having count(*) filter (where members.suppressed) = 1
        or (
            count(*) filter (where members.suppressed) > 1
            and count(*) filter (
                where members.suppressed and members.value > members.threshold
            ) = 0
        )
{%- endmacro %}
