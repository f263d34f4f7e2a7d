{#- A programme setting (settings.toml, read by clustermon.settings.ProgrammeSettings, which
    holds every default). clustermon passes the settings to every dbt invocation as --vars; a
    build without them fails here rather than use a value the programme did not set. -#}
{% macro programme_setting(name) -%}
    {%- set value = var(name, none) -%}
    {%- if execute and value is none -%}
        {{- exceptions.raise_compiler_error(
            "dbt var " ~ name ~ " is missing: clustermon passes the programme's settings "
            ~ "as --vars (clustermon.transform.project.dbt_vars)"
        ) -}}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}
