#!/usr/bin/env python3
"""Serves a folder (default web-demo/dist) on http://127.0.0.1:PORT with the right MIME types
(`.wasm` as application/wasm, `.js` as text/javascript). Loopback only. Used by `make demo` and
by the browser tests. Prints the URL once listening."""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".html": "text/html; charset=utf-8",
        ".ts": "text/plain",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if not QUIET:
            super().log_message(format, *args)


QUIET = False


def main() -> int:
    global QUIET
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--dir", default=str(Path(__file__).resolve().parent / "dist"))
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    QUIET = a.quiet
    root = Path(a.dir)
    if not (root / "index.html").is_file():
        print(f"serve: {root}/index.html is missing (make web)", file=sys.stderr)
        return 1
    handler = functools.partial(Handler, directory=str(root))
    with http.server.ThreadingHTTPServer(("127.0.0.1", a.port), handler) as httpd:
        port = httpd.server_address[1]
        print(f"serving {root} on http://127.0.0.1:{port}/  (Ctrl-C stops)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
