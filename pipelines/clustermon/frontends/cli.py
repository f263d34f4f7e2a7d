"""`clustermon`: a thin command-line front on the Dagster asset graph.

`refresh` and `demo` execute the same `refresh` job that `dagster dev` shows, on the folders of
their flags, with the run history in the same Dagster instance (<home>/dagster).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from clustermon.frontends.endings import RunOutcome, briefs_lines, ending
from clustermon.frontends.jobs import run_job
from clustermon.home import HOME_ENV, INBOX_ENV, PROGRAMME_ENV, Paths
from clustermon.settings import SETTLE_ENV


def _paths(args: argparse.Namespace) -> Paths:
    return Paths.resolve(args.home, args.inbox, args.programme)


def _report(paths: Paths, outcome: RunOutcome) -> int:
    out, err = ending(paths, outcome)
    print("\n".join(out))
    if err:
        print("\n".join(err), file=sys.stderr)
    return 0 if outcome.complete else 1


def _take_packages_now() -> None:
    """Take every package folder as arrived, without waiting for it to settle."""
    os.environ[SETTLE_ENV] = "0"


# sysexits' EX_TEMPFAIL: refused for now, try again later (cron and systemd know it).
BUSY_EXIT = 75


def _wait_for_home(paths: Paths, no_wait: bool) -> bool:
    """Say who holds the home's refresh lock, if anyone; False to refuse (`--no-wait`)."""
    from clustermon.resources import lock_holder

    holder = lock_holder(paths)
    if holder is None:
        return True
    if no_wait:
        print(f"Refused: a refresh is running on this home: {holder}", file=sys.stderr)
        return False
    print(f"Waiting for the refresh running on this home: {holder}", flush=True)
    return True


def _cmd_refresh(args: argparse.Namespace) -> int:
    paths = _paths(args)
    if args.now:
        _take_packages_now()
    if not _wait_for_home(paths, args.no_wait):
        return BUSY_EXIT
    return _report(paths, run_job(paths, verbose=args.verbose))


def _cmd_demo(args: argparse.Namespace) -> int:
    from clustermon.tools.demo import write_demo, write_eu_demo

    paths = _paths(args)
    if args.scale == "eu":
        write_eu_demo(paths.inbox, paths.programme, seed=args.seed)
    else:
        write_demo(paths.inbox, paths.programme, seed=args.seed, scale=float(args.scale))
    print(f"Demo inbox written: {paths.inbox}; programme folder: {paths.programme}")
    _take_packages_now()  # written whole, just now, by this process
    return _report(paths, run_job(paths, verbose=args.verbose))


def _cmd_serve(args: argparse.Namespace) -> int:
    from clustermon.site.serve import site_server

    site = _paths(args).site
    try:
        server = site_server(site, args.port)
    except (FileNotFoundError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    print(f"Serving {site} on http://{host}:{port}/ (Ctrl+C stops)")
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from clustermon.ingest import IngestError
    from clustermon.ingest.package_report import validate_command

    try:
        return validate_command(Path(args.package), args.json)
    except IngestError as error:
        print(f"Not a package folder: {error}", file=sys.stderr)
        return 1


def _cmd_status(args: argparse.Namespace) -> int:
    from dagster import DagsterInstance

    from clustermon.frontends.status import collect_status, exit_code, format_status, status_json

    paths = _paths(args)
    today = datetime.now(UTC).date()
    if not (paths.dagster_home / "dagster.yaml").exists():
        status = collect_status(paths, None, today)
    else:
        with DagsterInstance.from_config(str(paths.dagster_home)) as instance:
            status = collect_status(paths, instance, today)
    print(status_json(paths, status) if args.json else format_status(paths, status))
    return exit_code(status)


def _cmd_publications(args: argparse.Namespace) -> int:
    from clustermon.publish.publication import publications

    paths = _paths(args)
    kept = publications(paths.published)
    if not kept:
        print(f"No publication in {paths.published}")
        return 0
    print(
        f"{'':2}{'ID':<20} {'published at (UTC)':<26} {'rows':>8} {'packages':>8} "
        f"{'warnings':>8}  code version"
    )
    for publication in kept:
        manifest = publication.manifest
        warnings = sum(
            1 for suite in manifest["checks"] for o in suite["outcomes"] if not o["success"]
        )
        print(
            f"{'*' if publication.current else '':2}{publication.id:<20} "
            f"{manifest['published_at']:<26} {manifest['tables'].get('indicator_values', 0):>8} "
            f"{len(manifest['packages']):>8} {warnings:>8}  {manifest['code_version']}"
        )
    print(f"* = in force at {paths.published_warehouse}")
    return 0


def _cmd_rollback(args: argparse.Namespace) -> int:
    from clustermon.publish.publication import PublicationError, rollback
    from clustermon.resources import LOCK_POLL_SECONDS, record_holder, refresh_lock
    from clustermon.site import build_site

    paths = _paths(args)
    if not _wait_for_home(paths, args.no_wait):
        return BUSY_EXIT
    # Never between a refresh's gate and its publication, nor beside its site build.
    with refresh_lock(paths).acquire(poll_interval=LOCK_POLL_SECONDS):
        record_holder(paths, "clustermon rollback")
        try:
            publication = rollback(paths.published, args.publication)
        except PublicationError as error:
            print(f"Rollback refused: {error}", file=sys.stderr)
            return 1
        build_site(paths.published_warehouse, paths.site, briefs=True)
    print(f"Publication {publication.id} ({publication.manifest['published_at']}) is in force")
    print(f"Published warehouse  {paths.published_warehouse}")
    print(f"Published site       {paths.site / 'index.html'} (rebuilt from it)")
    line, warning = briefs_lines(paths)
    if line:
        print(line)
    if warning:
        print(warning, file=sys.stderr)
    return 0


def _cmd_brief(args: argparse.Namespace) -> int:
    from clustermon.brief.build import brief_command

    return brief_command(_paths(args), args.region, args.quarter, args.out)


def _brief_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "brief",
        help="a region's benchmarking brief for peer reviews (PDF, from the publication)",
    )
    parser.add_argument("region", help="region code, e.g. AT12")
    parser.add_argument("--quarter", help="quarter, e.g. 2025Q4 (default: the region's newest)")
    _home_flag(parser)
    parser.add_argument(
        "--out", type=Path, help="the PDF to write (default: <REGION>-<QUARTER>.pdf here)"
    )
    parser.set_defaults(run=_cmd_brief)


def _cmd_service(args: argparse.Namespace) -> int:
    from clustermon.frontends.service import run_service

    return run_service(_paths(args), args.host, args.port)


def _service_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "service",
        help="run the Dagster daemon (sensor, schedule, alerts) and UI on the home until stopped",
    )
    _folder_flags(parser)
    parser.add_argument("--port", type=int, default=3000, help="Dagster UI port (default 3000)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="Dagster UI address (default 127.0.0.1: local only)"
    )
    parser.set_defaults(run=_cmd_service)


def _cmd_explain(args: argparse.Namespace) -> int:
    from clustermon.explain import ExplainRequest, explain_command

    request = ExplainRequest(
        indicator=args.indicator,
        region=args.region,
        quarter=args.quarter,
        breakdown=args.breakdown,
        against_previous=args.against_previous,
        horizon=args.horizon,
        csv=args.csv,
    )
    return explain_command(_paths(args), request)


def _explain_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "explain",
        help="how a cell's value was obtained: its units, their facts and archived rows",
    )
    parser.add_argument("indicator", help="catalogue code, e.g. RCO10")
    parser.add_argument("region", help="region code, e.g. AT12 (impact estimates: or ALL)")
    parser.add_argument("quarter", nargs="?", help="quarter, e.g. 2025Q4 (not for IMP01-IMP04)")
    parser.add_argument("--breakdown", default="total", help="cell, e.g. size_class=micro")
    _home_flag(parser)
    parser.add_argument("--csv", type=Path, help="also write the explanation as a CSV table")
    parser.add_argument(
        "--against-previous",
        action="store_true",
        help="the units that entered or left the cell since the region's previous package",
    )
    parser.add_argument(
        "--horizon", type=int, choices=(1, 2, 3), help="impact estimates: years after joining"
    )
    parser.set_defaults(run=_cmd_explain)


def _home_flag(parser: argparse.ArgumentParser) -> None:
    """`--home` alone: the command reads a home, never an inbox or a programme folder."""
    parser.add_argument("--home", help=f"clustermon home (env {HOME_ENV}; default ./data)")
    parser.set_defaults(inbox=None, programme=None)


def _folder_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", help=f"clustermon home (env {HOME_ENV}; default ./data)")
    parser.add_argument("--inbox", help=f"inbox of regional packages (env {INBOX_ENV})")
    parser.add_argument("--programme", help=f"programme folder (env {PROGRAMME_ENV})")


def _no_wait_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help=f"refuse (exit {BUSY_EXIT}) instead of waiting while a refresh runs on the home",
    )


def _verbose_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="stream Dagster's and dbt's whole log to the terminal (always kept in <home>/logs)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clustermon", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    refresh_parser = commands.add_parser("refresh", help="ingest, build, check, publish")
    _folder_flags(refresh_parser)
    refresh_parser.add_argument(
        "--now",
        action="store_true",
        help="take package folders that have not settled yet (settle_seconds), e.g. once their "
        "senders confirmed the upload complete; a required _READY marker is still required",
    )
    _no_wait_flag(refresh_parser)
    _verbose_flag(refresh_parser)
    refresh_parser.set_defaults(run=_cmd_refresh)

    demo_parser = commands.add_parser("demo", help="write a demo inbox and refresh on it")
    _folder_flags(demo_parser)
    demo_parser.add_argument("--seed", type=int, default=2024, help="generator seed")
    demo_parser.add_argument(
        "--scale",
        default="1",
        type=lambda value: value if value == "eu" else str(float(value)),
        help="size: a factor on the demo's 17 regions (default 1), or `eu` for 240 EU regions "
        "of an observatory, 2025Q3 and 2025Q4 (about 8 million rows a quarter)",
    )
    _verbose_flag(demo_parser)
    demo_parser.set_defaults(run=_cmd_demo)

    serve_parser = commands.add_parser("serve", help="serve the dashboard site on localhost")
    _home_flag(serve_parser)
    serve_parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve_parser.set_defaults(run=_cmd_serve)
    validate_parser = commands.add_parser(
        "validate", help="check a package folder <REGION>/<YYYYQN> before sending it"
    )
    validate_parser.add_argument("package", help="the package folder, e.g. inbox/AT12/2025Q1")
    validate_parser.add_argument("--json", action="store_true", help="the report as JSON")
    validate_parser.set_defaults(run=_cmd_validate)
    status_parser = commands.add_parser(
        "status", help="last refresh, publication in force, stale regions, failing checks"
    )
    _folder_flags(status_parser)
    status_parser.add_argument(
        "--json", action="store_true", help="as JSON; exit 0 all well, 1 failed, 2 stale"
    )
    status_parser.set_defaults(run=_cmd_status)
    publications_parser = commands.add_parser(
        "publications", help="list the kept publications (* = in force)"
    )
    _folder_flags(publications_parser)
    publications_parser.set_defaults(run=_cmd_publications)

    rollback_parser = commands.add_parser(
        "rollback", help="put a kept publication back in force (atomic switch)"
    )
    _folder_flags(rollback_parser)
    rollback_parser.add_argument("publication", help="publication ID (see `publications`)")
    _no_wait_flag(rollback_parser)
    rollback_parser.set_defaults(run=_cmd_rollback)

    _explain_parser(commands)
    _brief_parser(commands)
    _service_parser(commands)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception:  # a fault of clustermon's own: one line here, the details in a file
        return _unexpected_error(args)


def _unexpected_error(args: argparse.Namespace) -> int:
    """Write the traceback to <home>/logs (or the system's temporary folder) and say where."""
    import tempfile
    import traceback

    error = sys.exc_info()[1]
    folder = Path(tempfile.gettempdir())
    if hasattr(args, "home"):  # `validate` has no home: it runs on a regional officer's machine
        with contextlib.suppress(OSError):  # the home itself may be the fault
            logs = _paths(args).logs
            logs.mkdir(parents=True, exist_ok=True)
            folder = logs
    report = folder / f"error-{datetime.now(UTC):%Y%m%dT%H%M%S}-{args.command}.log"
    report.write_text(traceback.format_exc(), encoding="utf-8")
    print(
        f"clustermon {args.command}: unexpected error ({type(error).__name__}: {error}); "
        f"the details are in {report}",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
