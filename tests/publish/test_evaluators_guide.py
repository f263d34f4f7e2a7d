"""docs/evaluators.md: every SQL block of the guide runs against the demo publication, read-only,
and finds rows (but where it says it may be empty); and the `duckdb` shell that `make run`
installs opens the publication read-only."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from clustermon.home import REPO_ROOT, Paths
from conftest import query

GUIDE = REPO_ROOT / "docs" / "evaluators.md"
BLOCKS = re.findall(r"```sql\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)


def test_the_guide_has_at_least_ten_worked_questions() -> None:
    questions = re.findall(r"^\*\*\d+\. ", GUIDE.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(questions) >= 10 and len(BLOCKS) >= len(questions)


@pytest.mark.parametrize("sql", BLOCKS, ids=[f"block {n + 1}" for n in range(len(BLOCKS))])
def test_every_query_of_the_guide_runs_on_the_demo_publication(demo_home: Paths, sql: str) -> None:
    rows = query(demo_home.published_warehouse, sql)
    assert rows or sql.startswith("-- may be empty"), "no rows on the demo publication"


def test_the_duckdb_shell_opens_the_publication_read_only(demo_home: Paths) -> None:
    shell = Path(sys.executable).with_name("duckdb")
    sql = "SELECT count(*) FROM indicator_values"
    answer = subprocess.run(
        [shell, "-readonly", "-csv", "-noheader", demo_home.published_warehouse, sql],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(answer.stdout) == query(demo_home.published_warehouse, sql)[0][0]
