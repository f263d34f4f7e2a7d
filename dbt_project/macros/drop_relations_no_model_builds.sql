{#- After a build: drop the views and tables of the staging and intermediate schemas that no
    model of the project builds any more (renamed or removed by a newer release), so a
    warehouse upgraded in place holds what a new one would. Marts, seeds and the raw layer are
    never touched. -#}
{% macro drop_relations_no_model_builds() %}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set built = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
            {%- do built.append(node.schema ~ '.' ~ node.alias) -%}
        {%- endfor -%}
        {%- set existing = run_query(
            "select table_schema, table_name, table_type from information_schema.tables "
            ~ "where table_catalog = current_database() "
            ~ "and table_schema in ('staging', 'intermediate')"
        ) -%}
        {%- for schema, name, kind in existing.rows
            if (schema ~ '.' ~ name) not in built and not name.endswith('__dbt_tmp') -%}
            {%- do run_query(
                'drop ' ~ ('view' if kind == 'VIEW' else 'table') ~ ' if exists '
                ~ schema ~ '.' ~ name
            ) -%}
            {%- do log('dropped ' ~ schema ~ '.' ~ name ~ ': no model builds it', info=true) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
