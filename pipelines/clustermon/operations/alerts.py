"""Alerts: a failed run, a failed gate, a rejected package and a region gone stale.

Every alert is appended to `<home>/alerts.jsonl` (one JSON object a line: time, kind, run_id,
message, key) and the alerts of one finished run go out together: one e-mail (SMTP settings
in the programme's settings.toml, `[alerts]`) and, where configured, one webhook POST.

`alert_run` is the one path: the service's sensors below call it when a run ends (the Dagster
daemon evaluates them), the CLI after its own run. Each alert has a key (the run, the package
or the region and quarter it is about); one whose key is already in alerts.jsonl is not sent
again, since the sensors also see the CLI's runs and a rejected package is judged again by
every run until the region sends another.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import duckdb
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunStatusSensorContext,
    run_failure_sensor,
    run_status_sensor,
)
from filelock import FileLock, Timeout

from clustermon.contract import quarter_end
from clustermon.frontends.status import failing_checks
from clustermon.home import Paths
from clustermon.ingest.inbox import package_key
from clustermon.operations.partitions import run_package_keys
from clustermon.operations.progress import error_reason
from clustermon.resources import ClustermonHome, refresh_lock
from clustermon.settings import AlertSettings, ProgrammeSettings, SettingsError
from clustermon.transform.staleness import stale_regions

ALERTS_FILE = "alerts.jsonl"
# The alert sensors look this often for runs that ended (Dagster's default is 30 s).
SENSOR_INTERVAL_SECONDS = 5
SEND_TIMEOUT_SECONDS = 30

Log = Callable[[str], object]


@dataclass(frozen=True)
class Alert:
    kind: str  # run_failed, gate_failed, package_rejected, region_stale
    key: str
    run_id: str
    message: str


def _failure_alert(instance: DagsterInstance, run: DagsterRun, paths: Paths) -> Alert | None:
    checks = failing_checks(instance, run.run_id)
    if checks:
        report = paths.published / "reports" / f"{run.run_id}.html"
        return Alert(
            "gate_failed",
            f"gate_failed:{run.run_id}",
            run.run_id,
            f"The gate blocked publication ({run.job_name} run {run.run_id}): "
            f"{'; '.join(checks)}. The previous publication stays in force. Report: {report}",
        )
    if run.status != DagsterRunStatus.FAILURE:
        return None
    reasons = [
        f"{record.event_log_entry.step_key}: "
        + error_reason(record.event_log_entry.dagster_event.step_failure_data.error)
        for record in instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.STEP_FAILURE
        ).records
    ] or [
        record.event_log_entry.message
        for record in instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.RUN_FAILURE
        ).records
    ]
    return Alert(
        "run_failed",
        f"run_failed:{run.run_id}",
        run.run_id,
        f"The {run.job_name} run {run.run_id} failed: {'; '.join(reasons) or 'no reason given'}.",
    )


def _warehouse_alerts(
    instance: DagsterInstance, run: DagsterRun, paths: Paths, settings: ProgrammeSettings
) -> list[Alert]:
    """Rejected packages of the run and stale regions, from the working warehouse."""
    keys = set(run_package_keys(instance, run.tags))
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        rejected = con.execute(
            "SELECT package_id, region_code, quarter, message FROM raw.received_packages "
            "WHERE status = 'rejected' ORDER BY region_code, quarter"
        ).fetchall()
    alerts = [
        Alert(
            "package_rejected",
            f"package_rejected:{package_id}",
            run.run_id,
            f"Package {region} {quarter} was rejected: {message}. The region keeps the "
            "package it had; it should send a corrected one.",
        )
        for package_id, region, quarter, message in rejected
        if package_key(region, quarter) in keys
    ]
    today = datetime.now(UTC).date()
    quarter, stale = stale_regions(paths, today)
    due = quarter_end(quarter) + timedelta(days=settings.refresh_days_after_quarter_end)
    if today >= due:  # before the programme's due day a missing package is not late yet
        alerts += [
            Alert(
                "region_stale",
                f"region_stale:{region}:{quarter}",
                run.run_id,
                f"Region {region} is stale: no package for {quarter} (due {due.isoformat()}); "
                f"its newest package is {newest or 'none'}.",
            )
            for region, newest in stale.items()
        ]
    return alerts


def run_alerts(
    instance: DagsterInstance, run: DagsterRun, paths: Paths, settings: ProgrammeSettings, log: Log
) -> list[Alert]:
    """The alerts a finished run gives rise to (not yet filtered against alerts.jsonl)."""
    alerts = [alert] if (alert := _failure_alert(instance, run, paths)) else []
    if not paths.warehouse.exists():
        return alerts
    # Read under the refresh lock, so no run's writer is refused while this reads. A run that
    # started meanwhile holds it: that run's end reports what is still rejected or stale.
    lock = refresh_lock(paths)
    try:
        with lock.acquire(timeout=10):
            alerts += _warehouse_alerts(instance, run, paths, settings)
    except Timeout:
        log(f"Another run holds {lock.lock_file}: its end will report rejections and staleness.")
    except duckdb.CatalogException:
        pass  # the run stopped before the raw tables or the models existed
    return alerts


def record(paths: Paths, alerts: list[Alert]) -> list[Alert]:
    """Append the alerts not recorded before to alerts.jsonl; return them."""
    file = paths.home / ALERTS_FILE
    with FileLock(paths.home / f"{ALERTS_FILE}.lock"):
        recorded = (
            {json.loads(line)["key"] for line in file.read_text(encoding="utf-8").splitlines()}
            if file.exists()
            else set()
        )
        new = list({alert.key: alert for alert in alerts if alert.key not in recorded}.values())
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with file.open("a", encoding="utf-8") as out:
            for alert in new:
                out.write(json.dumps({"time": now, **asdict(alert)}) + "\n")
    return new


def _email(settings: AlertSettings, alerts: list[Alert], paths: Paths) -> None:
    message = EmailMessage()
    kinds = sorted({alert.kind.replace("_", " ") for alert in alerts})
    message["Subject"] = f"clustermon: {len(alerts)} alert(s): {', '.join(kinds)}"
    message["From"] = settings.from_address
    message["To"] = ", ".join(settings.to)
    message.set_content(
        "\n\n".join(f"[{alert.kind}] {alert.message}" for alert in alerts)
        + f"\n\nclustermon home {paths.home}; every alert is also in {paths.home / ALERTS_FILE}."
    )
    password = _password(settings)
    if settings.smtp_port == 465:
        smtp = smtplib.SMTP_SSL(settings.smtp_host, 465, timeout=SEND_TIMEOUT_SECONDS)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SEND_TIMEOUT_SECONDS)
    with smtp:
        if not isinstance(smtp, smtplib.SMTP_SSL):
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
            elif password is not None:
                raise smtplib.SMTPException("the server offers no STARTTLS: no password sent")
        if password is not None:
            smtp.login(settings.username or settings.from_address, password)
        smtp.send_message(message)


def _password(settings: AlertSettings) -> str | None:
    if settings.password_env is None:
        return None
    if settings.password_env not in os.environ:
        raise smtplib.SMTPException(f"the environment variable {settings.password_env} is unset")
    return os.environ[settings.password_env]


def _webhook(url: str, alerts: list[Alert], paths: Paths) -> None:
    body = json.dumps({"home": str(paths.home), "alerts": [asdict(a) for a in alerts]}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS):
        pass


def send(settings: AlertSettings, alerts: list[Alert], paths: Paths, log: Log) -> None:
    """E-mail and webhook; a delivery that fails is logged (the alert is in alerts.jsonl)."""
    if settings.smtp_host:
        try:
            _email(settings, alerts, paths)
        except (OSError, smtplib.SMTPException) as error:
            log(f"Alert e-mail to {settings.smtp_host}:{settings.smtp_port} failed: {error}")
    if settings.webhook_url:
        try:
            _webhook(settings.webhook_url, alerts, paths)
        except OSError as error:  # urllib's errors are OSErrors
            log(f"Alert webhook {settings.webhook_url} failed: {error}")


def alert_run(instance: DagsterInstance, run: DagsterRun, paths: Paths, log: Log) -> list[Alert]:
    """Record and send the new alerts of a finished run; return them."""
    try:
        settings, deliver = ProgrammeSettings.load(paths.programme), True
    except SettingsError as error:  # the run failed on it too: recorded, not sent
        log(f"Alerts are recorded but not sent: {error}")
        settings, deliver = ProgrammeSettings(), False
    new = record(paths, run_alerts(instance, run, paths, settings, log))
    if new and deliver:
        send(settings.alerts, new, paths, log)
    return new


def _alert_ended_run(context: RunStatusSensorContext, home: ClustermonHome) -> None:
    alert_run(context.instance, context.dagster_run, home.paths(), context.log.warning)


failure_alerts = run_failure_sensor(
    name="failure_alerts",
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="A failed run or gate: recorded in alerts.jsonl and sent (settings.toml "
    "[alerts]), with the run's rejected packages and stale regions.",
)(_alert_ended_run)

findings_alerts = run_status_sensor(
    name="findings_alerts",
    run_status=DagsterRunStatus.SUCCESS,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="A run that published but rejected a package or left a region stale: recorded "
    "in alerts.jsonl and sent (settings.toml [alerts]).",
)(_alert_ended_run)
