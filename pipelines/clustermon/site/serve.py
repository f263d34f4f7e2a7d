"""Serve the built site on localhost with the standard library's HTTP server."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def site_server(site: Path, port: int = 8000, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An HTTP server for the site folder (port 0: any free port; see `server_address`)."""
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"no dashboard site at {site}: run `clustermon refresh` first")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    return ThreadingHTTPServer((host, port), handler)
