-- OUT01 Active cluster organisations (stock), from int_clusters_listed.
{{ cells_of_contributions(ref('int_clusters_listed')) }}
