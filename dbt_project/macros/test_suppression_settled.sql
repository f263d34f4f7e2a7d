{#-
    Generic test: secondary suppression reached its fixed point (spec 1.1, "repeat over all
    breakdowns until nothing changes"): no family with a published total is still exposed.
    A failure lists the package, quarter, indicator and family.
-#}
{% test suppression_settled(model) %}
    {{ families_exposed(model, 'true') }}
{% endtest %}
