"""Alerts from the CLI's run: recorded in alerts.jsonl, e-mailed to a local SMTP server and posted
to a local webhook, once each; the SMTP password never travels without TLS."""

import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from clustermon.home import Paths
from clustermon.operations.alerts import Alert, send
from clustermon.settings import AlertSettings, ProgrammeSettings, SettingsError
from conftest import home_with_fixture


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server calls it so
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:  # quiet
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def refresh(paths: Paths) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERMON_")}
    return subprocess.run(
        [
            # --now: the packages were copied in just now, whole.
            *(sys.executable, "-m", "clustermon.frontends.cli", "refresh", "--now"),
            *("--home", str(paths.home), "--inbox", str(paths.inbox)),
            *("--programme", str(paths.programme)),
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=900,
    )


def recorded(paths: Paths) -> list[dict]:
    return [json.loads(line) for line in (paths.home / "alerts.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_a_cli_refresh_sends_its_alerts_once(tmp_path, smtp_server, webhook):
    smtp_port, mailbox = smtp_server
    hook_url, posted = webhook
    paths = home_with_fixture(tmp_path, "skeleton")
    broken = paths.inbox / "AT12" / "2025Q2"
    shutil.copytree(paths.inbox / "AT12" / "2025Q1", broken)
    (broken / "clusters.csv").unlink()
    (paths.programme / "settings.toml").write_text(
        f'[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\n'
        'from = "clustermon@authority.example"\n'
        'to = ["a@authority.example", "b@authority.example"]\n'
        f'webhook_url = "{hook_url}"\n'
    )

    done = refresh(paths)

    assert done.returncode == 0, done.stderr  # the other packages were published
    assert "Published warehouse" in done.stdout
    alerts = recorded(paths)
    assert [a["kind"] for a in alerts] == ["package_rejected", "region_stale"]
    assert len({a["run_id"] for a in alerts}) == 1
    assert alerts[0]["message"].startswith("Package AT12 2025Q2 was rejected: ")
    assert "required table clusters is missing" in alerts[0]["message"]
    assert alerts[1]["key"].startswith("region_stale:AT12:")
    assert "Alerts sent" in done.stderr and "package_rejected: Package AT12 2025Q2" in done.stderr

    [(envelope, mail)] = mailbox.messages  # one e-mail for the run's alerts
    assert envelope.rcpt_tos == ["a@authority.example", "b@authority.example"]
    assert mail["Subject"] == "clustermon: 2 alert(s): package rejected, region stale"
    assert "required table clusters is missing" in mail.get_content()
    [post] = posted
    assert [a["kind"] for a in post["alerts"]] == ["package_rejected", "region_stale"]
    assert post["home"] == str(paths.home)

    # The next refresh judges the same package again and the region is still stale: nothing new.
    again = refresh(paths)
    assert again.returncode == 0, again.stderr
    assert recorded(paths) == alerts
    assert len(mailbox.messages) == 1 and len(posted) == 1
    assert "Alerts sent" not in again.stderr


def test_no_password_is_sent_without_tls(tmp_path, smtp_server, monkeypatch):
    smtp_port, mailbox = smtp_server
    monkeypatch.setenv("CLUSTERMON_TEST_SMTP_PASSWORD", "secret")
    settings = AlertSettings.model_validate(
        {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "from": "clustermon@authority.example",
            "to": ["a@authority.example"],
            "password_env": "CLUSTERMON_TEST_SMTP_PASSWORD",
        }
    )
    logged: list[str] = []
    alert = Alert("run_failed", "run_failed:x", "x", "The refresh run x failed.")
    send(settings, [alert], Paths.at(tmp_path), logged.append)
    assert mailbox.messages == []
    assert logged == [
        f"Alert e-mail to 127.0.0.1:{smtp_port} failed: "
        "the server offers no STARTTLS: no password sent"
    ]


def test_alert_settings_are_checked_and_kept_out_of_the_data_settings():
    settings = ProgrammeSettings.from_mapping(
        {"alerts": {"smtp_host": "mail", "from": "a@b.example", "to": ["c@d.example"]}}
    )
    assert settings.alerts.smtp_port == 587
    assert "alerts" not in settings.model_dump()  # not in dbt's vars nor in raw.settings
    with pytest.raises(SettingsError, match="alerts: an smtp_host needs a from address"):
        ProgrammeSettings.from_mapping({"alerts": {"smtp_host": "mail"}})
    with pytest.raises(SettingsError, match=r"alerts\.password is not a setting \(.*password_env"):
        ProgrammeSettings.from_mapping({"alerts": {"password": "never in the file"}})
