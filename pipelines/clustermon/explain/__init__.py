"""`clustermon explain`: how a published cell's value was obtained, for the managing
authority's staff and their auditors.

It reads the working warehouse (read-only) and the archive: the cell and its definition
(`cell.py`), the units the cell counts, sums or divides with the fact that makes each count and
the archived file and row it comes from (`contributions.py`, from the dbt view
`int_indicator_contributions_expanded`, which the indicator models aggregate too), the units a
revision brought in or took out (`revisions.py`), and for the impact estimates the cohort-
stratum cells behind them (`impact.py`). `report.py` writes the text, `table.py` the CSV, and
`command.py` runs the command.
"""

from clustermon.explain.command import ExplainRequest, explain_command
from clustermon.explain.warehouse import ExplainError

__all__ = ["ExplainError", "ExplainRequest", "explain_command"]
