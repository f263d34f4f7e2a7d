"""Serve the built site on localhost with the standard library's HTTP server."""

from __future__ import annotations

import functools
import posixpath
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The folders beside the site in the published folder that the footer links to as
# `../current/...`: at the server's root a browser resolves that link to `/current/...`.
BESIDE_THE_SITE = ("current", "reports", "dbt-docs")


class _Handler(SimpleHTTPRequestHandler):
    """The site's files, and the validation reports and model docs beside it."""

    def translate_path(self, path: str) -> str:
        normal = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(path).path))
        parts = normal.strip("/").split("/")
        site = Path(self.directory)
        if parts[0] in BESIDE_THE_SITE and not (site / parts[0]).exists():
            return str(site.parent.joinpath(*parts))
        return super().translate_path(path)


def site_server(site: Path, port: int = 8000, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An HTTP server for the site folder (port 0: any free port; see `server_address`)."""
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"no dashboard site at {site}: run `clustermon refresh` first")
    handler = functools.partial(_Handler, directory=str(site))
    return ThreadingHTTPServer((host, port), handler)
