"""The benchmarking brief per region, for peer reviews: printable, comparative, never a ranking.

`data` reads a publication's tables (read-only) and cuts them per region, `questions` derives
the questions for the peer review, `charts` draws the distributions with Altair (SVG),
`render` writes the HTML from `templates/`, `labels` holds every fixed text, `pdf` prints the
HTML with headless Chromium, and `build` builds every region's brief with the site
(`site.build.build_site(..., briefs=True)`) or one with `clustermon brief`.
"""
