"""`clustermon service`: the real Dagster daemon and webserver on a temporary home.

A package dropped into the inbox is published by the sensor's run; a package missing a required
table is rejected, its alert reaches a local SMTP server and alerts.jsonl, and the publication
keeps its values; SIGTERM stops the service and everything it started. No clock decides an
outcome: each wait is bounded only against a hang, on a loaded 2-core machine.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from clustermon.home import Paths
from conftest import HANG_BOUND, free_port, home_with_fixture, query

STOP_BOUND = 60
OUT01 = (
    "SELECT quarter, value FROM indicator_values "
    "WHERE indicator_code = 'OUT01' AND breakdown = 'total' ORDER BY quarter"
)


def wait_for(condition, what: str, service: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + HANG_BOUND
    while not condition():
        assert service.poll() is None, f"the service ended:\n{log.read_text()[-4000:]}"
        assert time.monotonic() < deadline, f"never: {what}\n{log.read_text()[-4000:]}"
        time.sleep(2)


def ui_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=10) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def alerts(paths: Paths) -> list[dict]:
    file = paths.home / "alerts.jsonl"
    return [json.loads(line) for line in file.read_text().splitlines()] if file.exists() else []


def published_out01(paths: Paths) -> list[tuple] | None:
    return query(paths.published_warehouse, OUT01) if paths.published_warehouse.exists() else None


@pytest.mark.slow
@pytest.mark.timeout(4 * HANG_BOUND)
def test_service_publishes_a_dropped_package_alerts_a_rejected_one_and_stops(tmp_path, smtp_server):
    smtp_port, mailbox = smtp_server
    paths = home_with_fixture(tmp_path, "skeleton")
    packages = tmp_path / "to_send"
    shutil.move(paths.inbox, packages)
    paths.inbox.mkdir()
    # Packages are dropped whole (moved in): the sensor takes them once settled for 2 s.
    (paths.programme / "settings.toml").write_text(
        "settle_seconds = 2\n[alerts]\n"
        f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\n'
        'from = "clustermon@authority.example"\nto = ["monitoring@authority.example"]\n'
    )
    port = free_port()
    log = tmp_path / "service.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERMON_")}
    with log.open("w") as output:
        service = subprocess.Popen(
            [
                *(sys.executable, "-m", "clustermon.frontends.cli", "service"),
                *("--home", str(paths.home), "--inbox", str(paths.inbox)),
                *("--programme", str(paths.programme), "--port", str(port)),
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: ui_answers(port), "the Dagster UI answers", service, log)

        # A valid drop: the sensor's run publishes it.
        shutil.copytree(packages / "AT12", paths.inbox / "AT12")
        wait_for(lambda: published_out01(paths) is not None, "a publication", service, log)
        assert published_out01(paths) == [("2024Q4", 3.0), ("2025Q1", 2.0)]
        manifest = json.loads((paths.published / "current" / "manifest.json").read_text())
        in_use = sorted((p["region_code"], p["quarter"]) for p in manifest["packages"])
        assert in_use == [("AT12", "2024Q4"), ("AT12", "2025Q1")]

        # A package without its required clusters table: rejected, alerted, not published.
        broken = paths.inbox / "AT12" / "2025Q2"
        shutil.copytree(packages / "AT12" / "2025Q1", broken)
        (broken / "clusters.csv").unlink()
        wait_for(
            lambda: any(a["kind"] == "package_rejected" for a in alerts(paths)),
            "the rejection in alerts.jsonl",
            service,
            log,
        )
        [rejection] = [a for a in alerts(paths) if a["kind"] == "package_rejected"]
        assert "AT12 2025Q2" in rejection["message"]
        assert "required table clusters is missing" in rejection["message"]
        assert set(rejection) >= {"time", "kind", "run_id", "message"}

        def rejection_mails() -> list:
            return [m for m in mailbox.messages if "package rejected" in m[1]["Subject"]]

        wait_for(rejection_mails, "the alert e-mail", service, log)
        [(envelope, mail)] = rejection_mails()
        assert envelope.rcpt_tos == ["monitoring@authority.example"]
        assert mail["From"] == "clustermon@authority.example"
        assert "required table clusters is missing" in mail.get_content()

        assert published_out01(paths) == [("2024Q4", 3.0), ("2025Q1", 2.0)]
        manifest = json.loads((paths.published / "current" / "manifest.json").read_text())
        assert sorted((p["region_code"], p["quarter"]) for p in manifest["packages"]) == in_use

        # SIGTERM, as systemd stops it: the daemon, the UI and all they started end.
        started = psutil.Process(service.pid).children(recursive=True)
        assert len(started) >= 2
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=STOP_BOUND) == 0
        _, alive = psutil.wait_procs(started, timeout=5)
        assert alive == [], f"left behind: {alive}"
    finally:
        if service.poll() is None:  # the test failed: kill the service and all it started
            for process in [
                psutil.Process(service.pid),
                *psutil.Process(service.pid).children(True),
            ]:
                with contextlib.suppress(psutil.Error):
                    process.kill()
            service.wait()
