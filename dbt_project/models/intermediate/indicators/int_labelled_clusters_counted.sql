-- RES06 Labelled cluster organisations (stock), by label, from int_labelled_clusters_listed.
{{ cells_of_contributions(ref('int_labelled_clusters_listed')) }}
