"""`clustermon explain` on a request it cannot answer: one message naming what is wrong, exit
1, never a traceback; and a warehouse a run is writing is waited out, not broken."""

import subprocess
import sys

import pytest

from clustermon.frontends.cli import main
from clustermon.home import Paths
from conftest import copy_home


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["RCO99", "AT12", "2024Q4"], "unknown indicator code 'RCO99'"),
        (["rco01", "AT99", "2024Q4"], "unknown region 'AT99'"),
        (["RCO01", "AT12", "2023Q4"], "AT12 has no quarter 2023Q4: its package in use (2025Q1)"),
        (["RCO01", "AT12", "2025Q5"], "not a quarter code (YYYYQN): '2025Q5'"),
        (["RCO01", "AT12"], "which quarter?"),
        (["RCO01", "AT12", "2024Q4", "--breakdown", "kind=robot"], "no breakdown 'kind=robot'"),
        (["IMP01", "AT12", "2024Q4"], "IMP01 is an impact estimate"),
        (["IMP01", "AT99"], "unknown region 'AT99'"),
        (["OUT01", "AT12", "2024Q4", "--horizon", "1"], "--horizon is for the impact"),
    ],
)
def test_unknown_input_names_it_and_exits_1(
    revised_home: Paths, capsys: pytest.CaptureFixture, arguments: list[str], message: str
) -> None:
    assert main(["explain", *arguments, "--home", str(revised_home.home)]) == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert captured.out == ""


def test_a_table_that_cannot_be_written(revised_home: Paths, tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("")
    table = tmp_path / "file" / "explained.csv"  # under a file: no folder can be made
    arguments = ["explain", "OUT01", "AT12", "2024Q4", "--csv", str(table)]
    assert main([*arguments, "--home", str(revised_home.home)]) == 1
    captured = capsys.readouterr()
    assert f"cannot write {table}" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_no_warehouse(tmp_path, capsys) -> None:
    assert main(["explain", "RCO01", "AT12", "2024Q4", "--home", str(tmp_path)]) == 1
    assert "no working warehouse at" in capsys.readouterr().err


def test_a_busy_warehouse_is_reported_then_read(revised_home: Paths, tmp_path, capsys) -> None:
    # A run holds the warehouse (DuckDB lets no reader in): explain says so; once the run is
    # over, the same command explains. On a copy: the shared home's other readers (the other
    # test worker) would keep this writer out.
    home = copy_home(revised_home, tmp_path)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
            " sys.stdin.read()",
            str(home.warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        arguments = ["explain", "OUT01", "AT12", "2024Q4", "--home", str(home.home)]
        assert main(arguments) == 1
        assert "is busy (a run is writing it)" in capsys.readouterr().err
    finally:
        writer.communicate("", timeout=60)
    assert main(arguments) == 0
    assert "OUT01 Active cluster organisations: AT12 2024Q4" in capsys.readouterr().out
