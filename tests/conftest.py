"""Shared test helpers: fixture packages copied into a temporary home, and real refreshes."""

import contextvars
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path
from typing import TypeVar

import duckdb
import pytest
from aiosmtpd.controller import Controller
from dagster import Definitions
from filelock import FileLock

from clustermon.definitions import build_definitions
from clustermon.frontends.jobs import refresh
from clustermon.home import REPO_ROOT, Paths
from clustermon.resources import ClustermonHome
from clustermon.settings import SETTLE_ENV
from clustermon.tools.demo import write_demo

FIXTURES = Path(__file__).parent / "fixtures"
SKELETON_2024Q4 = FIXTURES / "skeleton" / "inbox" / "AT12" / "2024Q4"
T = TypeVar("T")

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Tests write their packages whole before they refresh: no folder waits to settle (for every
# fixture, whatever its scope; tests/ingest/test_ingest_arrival.py tests the wait without it).
os.environ[SETTLE_ENV] = "0"


@contextmanager
def preserved_environment() -> Iterator[None]:
    """A refresh exports its folders to the environment; give each test its own."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(autouse=True)
def _isolated_environment() -> Iterator[None]:
    with preserved_environment():
        yield


def home_with_fixture(root: Path, fixture: str) -> Paths:
    """A fresh clustermon home whose inbox and programme folder are copies of a fixture's."""
    paths = Paths(root / "home", root / "inbox", root / "programme")
    _copy_fixture(fixture, paths)
    return paths


def copy_home(source: Paths, root: Path) -> Paths:
    """A private copy of a shared home's state (same inbox and programme), for a test that
    changes it."""
    shutil.copytree(source.home, root / "home", symlinks=True)
    return Paths(root / "home", source.inbox, source.programme)


def definitions_for(paths: Paths) -> Definitions:
    """The Dagster definitions working on these folders, as the CLI builds them."""
    return build_definitions(ClustermonHome.for_paths(paths))


def in_own_context(function: Callable[..., T], /, *args: object, **kwargs: object) -> T:
    """Call `function` in a context (`contextvars`) of its own, as `run_job` runs each job: a
    Dagster generator an earlier test left unfinished may, when collected, restore its closed
    instance's state storage in the context it was made in, before a job here is resolved."""
    return contextvars.Context().run(function, *args, **kwargs)


def run_refresh(paths: Paths, job: str = "refresh") -> bool:
    with preserved_environment():
        return refresh(paths, job)


OUT01_2025Q1 = (
    "SELECT value FROM indicator_values "
    "WHERE indicator_code = 'OUT01' AND quarter = '2025Q1' AND breakdown = 'total'"
)


def cli_command(paths: Paths, command: str, *flags: str) -> list[str]:
    """`clustermon <command>` on these folders."""
    folders = ["--home", paths.home, "--inbox", paths.inbox, "--programme", paths.programme]
    return [sys.executable, "-m", "clustermon.frontends.cli", command, *map(str, folders), *flags]


def cli_process(paths: Paths, command: str, *flags: str) -> subprocess.Popen:
    """`clustermon <command>` in a process of its own and its own process group (a kill of the
    group takes its dbt child too, as an OOM kill or a reboot would); its terminal lines
    (standard output and error) readable as they come."""
    return subprocess.Popen(
        cli_command(paths, command, *flags),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )


def read_until(process: subprocess.Popen, wanted: Callable[[str], bool]) -> str:
    """The first terminal line of the process that is `wanted` (failing if it ends first)."""
    seen = []
    for line in process.stdout:
        if wanted(line.strip()):
            return line.strip()
        seen.append(line.rstrip())
    raise AssertionError("the process ended without the line wanted:\n" + "\n".join(seen[-30:]))


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """What a local SMTP server received: each message's envelope and parsed message."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd calls it so
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope, message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    """An SMTP server on 127.0.0.1 (no TLS): its port and what it received."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


def query(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    """Read a DuckDB file the way evaluators do: read-only."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def assert_rows_accounted(warehouse: Path) -> None:
    """Rows read = loaded + quarantined per loaded file of every accepted package, and the raw
    tables hold exactly those."""
    files = query(
        warehouse,
        "SELECT package_id, table_name, file_name, rows_read, rows_loaded, rows_quarantined "
        "FROM raw.received_files f JOIN raw.received_packages USING (package_id) "
        "WHERE f.status = 'loaded' AND received_packages.status = 'accepted'",
    )
    for package, table, file, read, loaded, quarantined in files:
        assert read == loaded + quarantined, (package, file)
        where = "WHERE package_id = ? AND source_file = ?"
        in_raw = query(warehouse, f"SELECT count(*) FROM raw.{table} {where}", [package, file])
        in_quarantine = query(
            warehouse,
            f"SELECT count(DISTINCT source_row) FROM raw.quarantine {where}",
            [package, file],
        )
        assert (in_raw[0][0], in_quarantine[0][0]) == (loaded, quarantined), (package, file)


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Paths], None]) -> Paths:
    """A home built once per test run and shared by every test worker (`make test` runs two):
    the first worker to ask builds it under a lock, the others wait and reuse it. The tests
    that share it only read it, or copy it before they change it."""
    shared = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    root = shared / name
    paths = Paths(root / "home", root / "inbox", root / "programme")
    outcome = shared / f"{name}.outcome"
    with FileLock(shared / f"{name}.lock"):
        if not outcome.exists():
            root.mkdir(exist_ok=True)
            try:
                build(paths)
                outcome.write_text("built")
            except BaseException as error:
                outcome.write_text(f"failed: {error!r}")
                raise
    assert outcome.read_text() == "built", f"the shared home {name} {outcome.read_text()}"
    return paths


def _copy_fixture(fixture: str, paths: Paths) -> None:
    shutil.copytree(FIXTURES / fixture / "inbox", paths.inbox)
    shutil.copytree(FIXTURES / fixture / "programme", paths.programme)


@pytest.fixture(scope="session")
def skeleton_home(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """The hand-made skeleton inbox (AT12, packages 2024Q4 and 2025Q1), refreshed once."""

    def build(paths: Paths) -> None:
        _copy_fixture("skeleton", paths)
        assert run_refresh(paths), "the refresh of the skeleton fixture failed"

    return built_once(tmp_path_factory, "skeleton", build)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """The default demo (`make run`'s: 17 regions, every quarter), refreshed once per test run
    and shared by the tests that need a published demo; they only read it."""

    def build(paths: Paths) -> None:
        write_demo(paths.inbox, paths.programme)
        assert run_refresh(paths), "the refresh of the demo failed"

    return built_once(tmp_path_factory, "demo", build)


@pytest.fixture(scope="session")
def old_publication(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """A home that published the skeleton's 2024Q4 alone, its 2025Q1 being new data to come:
    the kill tests copy it (tests/operations/killing.py). Refreshed once per test run."""

    def build(paths: Paths) -> None:
        shutil.copytree(FIXTURES / "skeleton" / "programme", paths.programme)
        shutil.copytree(SKELETON_2024Q4, paths.inbox / "AT12" / "2024Q4")
        assert run_refresh(paths), "the refresh of the skeleton's 2024Q4 failed"
        assert query(paths.published_warehouse, OUT01_2025Q1) == []

    return built_once(tmp_path_factory, "old-publication", build)


# Seconds a subprocess test waits for each thing it expects (a step started, a run ended): a
# bound, not a timing; only a hang fails on it, on a loaded 2-core machine.
HANG_BOUND = 600


def _restate(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="session")
def revised_home(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """A hand-made revision, for `clustermon explain --against-previous`: AT12 (programme start
    2024-10-01) sends the skeleton's 2024Q4 package, then a 2025Q1 package restating the same
    register with three changes; refreshed once per test run:
    - membership C1,E6 (since 2022-01-01) is gone: E6 leaves OUT02 of 2024Q4;
    - membership C2,E7 from 2024-10-05 is new: E7 (a large enterprise) enters OUT02 of 2024Q4;
    - event V1 (2024-11-20) has 45 participants instead of 40: OUT05 of 2024Q4 rises by 5."""

    def build(paths: Paths) -> None:
        shutil.copytree(FIXTURES / "skeleton" / "programme", paths.programme)
        shutil.copytree(SKELETON_2024Q4, paths.inbox / "AT12" / "2024Q4")
        restated = paths.inbox / "AT12" / "2025Q1"
        shutil.copytree(SKELETON_2024Q4, restated)
        _restate(restated / "memberships.csv", "C1,E6,2022-01-01,\n", "C2,E7,2024-10-05,\n")
        _restate(restated / "events.csv", "networking,false,40,25", "networking,false,45,25")
        assert run_refresh(paths), "the refresh of the revised skeleton failed"

    return built_once(tmp_path_factory, "revised", build)
