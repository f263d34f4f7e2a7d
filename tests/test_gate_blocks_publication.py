"""A failed gate publishes nothing and leaves the previous publication exactly as it was."""

import hashlib

import duckdb

from conftest import home_with_fixture, query, run_refresh


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bad_indicator_data_blocks_publication(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    assert run_refresh(paths)
    published_before = _digest(paths.published_warehouse)
    site_before = _digest(paths.site / "index.html")

    # Bad indicator data in the working warehouse: a negative count.
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute(
            "UPDATE indicator_values SET value = -1 "
            "WHERE indicator_code = 'OUT01' AND quarter = '2025Q1'"
        )

    assert run_refresh(paths, "publish") is False
    assert _digest(paths.published_warehouse) == published_before
    assert _digest(paths.site / "index.html") == site_before
    assert not [p for p in paths.published.iterdir() if p.name.startswith(".")]
    assert query(
        paths.published_warehouse,
        "SELECT value FROM indicator_values WHERE indicator_code = 'OUT01' AND quarter = '2025Q1'",
    ) == [(2.0,)]


def test_refresh_of_unchanged_inbox_publishes_identical_indicators(tmp_path):
    paths = home_with_fixture(tmp_path, "skeleton")
    sql = "SELECT * FROM indicator_values ORDER BY ALL"
    assert run_refresh(paths)
    first = query(paths.published_warehouse, sql)
    loaded_at = query(paths.warehouse, "SELECT received_at FROM raw.received_packages ORDER BY ALL")
    assert run_refresh(paths)
    assert query(paths.published_warehouse, sql) == first
    # Unchanged packages are not loaded again.
    assert (
        query(paths.warehouse, "SELECT received_at FROM raw.received_packages ORDER BY ALL")
        == loaded_at
    )
