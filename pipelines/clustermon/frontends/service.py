"""`clustermon service`: the Dagster daemon and webserver on one home, until stopped.

Unattended operation: the daemon evaluates the inbox sensor, the quarterly schedule and the
alert sensors (all running by default) and launches their runs; the webserver shows them. Both
are Dagster's own commands on the home's instance (<home>/dagster) and the definitions `make
dev` loads, each started in a process group of its own, so that SIGTERM or Ctrl-C stops each
with everything it started (code servers, runs): SIGTERM to the group, a bounded wait, then
SIGKILL to whatever is left.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from clustermon.frontends.jobs import dagster_home, dagster_instance
from clustermon.home import HOME_ENV, INBOX_ENV, PROGRAMME_ENV, REPO_ROOT, Paths

# SIGTERM to a group, then this long before SIGKILL: a run stops at its next event.
STOP_SECONDS = 15
PR_SET_PDEATHSIG = 1  # linux/prctl.h
DEFINITIONS = ["-m", "clustermon.definitions", "-d", str(REPO_ROOT / "pipelines")]


def service_commands(host: str, port: int) -> list[list[str]]:
    bin_dir = Path(sys.executable).parent
    return [
        [str(bin_dir / "dagster-daemon"), "run", *DEFINITIONS],
        [str(bin_dir / "dagster-webserver"), *DEFINITIONS, "-h", host, "-p", str(port)],
    ]


def service_environment(paths: Paths) -> dict[str, str]:
    """The folders for the code servers (`ClustermonHome.from_environment`); dbt beside the
    interpreter on PATH, as `make dev` has it."""
    return {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home(paths)),
        HOME_ENV: str(paths.home),
        INBOX_ENV: str(paths.inbox),
        PROGRAMME_ENV: str(paths.programme),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _die_with_the_service() -> None:
    """In a child before it starts (Linux): SIGTERM when the service dies, even by SIGKILL, so
    that a daemon or UI is never left running without it."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _signal_groups(children: list[subprocess.Popen], signum: int) -> bool:
    """Send `signum` to each child's process group; whether any group had a process left."""
    sent = False
    for child in children:
        child.poll()  # reaps an ended child, so its group can be empty
        with contextlib.suppress(ProcessLookupError):  # the whole group has ended
            os.killpg(child.pid, signum)
            sent = True
    return sent


def stop(children: list[subprocess.Popen]) -> None:
    """SIGTERM each child's group (a run it launched included), wait up to STOP_SECONDS for
    the groups to empty, then SIGKILL whatever is left."""
    _signal_groups(children, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while _signal_groups(children, 0) and time.monotonic() < deadline:
        time.sleep(0.2)
    _signal_groups(children, signal.SIGKILL)
    for child in children:
        child.wait()


def run_service(paths: Paths, host: str, port: int) -> int:
    """Run the daemon and webserver until SIGTERM or SIGINT (exit 0) or until one of them
    ends by itself (exit 1, so that systemd restarts the service)."""
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    environment = service_environment(paths)
    # Create and migrate the instance's SQLite storage here, once: the daemon's and the UI's
    # code servers would otherwise race to, and two migrations leave its schema unusable.
    with dagster_instance(paths):
        pass
    children = [
        subprocess.Popen(
            command, env=environment, start_new_session=True, preexec_fn=_die_with_the_service
        )
        for command in service_commands(host, port)
    ]
    print(
        f"clustermon service on {paths.home}: Dagster UI on http://{host}:{port}/, "
        f"daemon running the inbox sensor, the quarterly schedule and the alerts "
        f"(pids {', '.join(str(child.pid) for child in children)}); SIGTERM or Ctrl-C stops.",
        flush=True,
    )
    try:
        while not stopping.wait(1):
            ended = [child for child in children if child.poll() is not None]
            if ended:
                names = ", ".join(Path(str(child.args[0])).name for child in ended)
                print(f"clustermon service: {names} ended by itself; stopping", file=sys.stderr)
                return 1
        print("clustermon service: stopping", flush=True)
        return 0
    finally:
        stop(children)
