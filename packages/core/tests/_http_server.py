"""A real HTTP server on 127.0.0.1 for download tests (no internet, no mocks).

``FileServer(root)`` serves the files under ``root`` from a thread, honours single
``Range: bytes=N-[M]`` requests with 206 + Content-Range, and records every request.
Knobs, set per URL path: ``truncate[path] = n`` sends the full Content-Length but only
``n`` body bytes, then closes; ``routes[path] = bytes`` serves fixed bytes for a path that
may carry a query string (``/api/branches?page=1``); ``status[path] = code`` answers an
error code; ``delay_s`` sleeps before each body so concurrent clients overlap.
"""

from __future__ import annotations

import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's name
        pass  # keep pytest output clean

    def do_HEAD(self):
        self._serve(send_body=False)

    def do_GET(self):
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        owner = self.server.owner
        path = unquote(urlsplit(self.path).path)
        with owner.lock:
            owner.requests.append((self.command, self.path, dict(self.headers.items())))
        if self.path in owner.status or path in owner.status:
            code = owner.status.get(self.path, owner.status.get(path))
            self.send_error(code)
            return
        data = owner.routes.get(self.path, owner.routes.get(path))
        if data is None:
            file = os.path.realpath(os.path.join(owner.root, path.lstrip("/")))
            if not file.startswith(owner.root + os.sep) or not os.path.isfile(file):
                self.send_error(404)
                return
            with open(file, "rb") as handle:
                data = handle.read()
        start, end, code = 0, len(data), 200
        match = _RANGE.match(self.headers.get("Range", ""))
        if match and owner.ranges:
            start = int(match.group(1))
            end = int(match.group(2)) + 1 if match.group(2) else len(data)
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            end, code = min(end, len(data)), 206
        body = data[start:end]
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        if code == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.end_headers()
        if not send_body:
            return
        if owner.delay_s:
            time.sleep(owner.delay_s)
        cut = owner.truncate.get(path)
        self.wfile.write(body if cut is None else body[:cut])
        self.wfile.flush()
        if cut is not None:
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FileServer


class FileServer:
    """Serve ``root`` over HTTP on 127.0.0.1 from a background thread; a context manager."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = os.path.realpath(os.fspath(root))
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.truncate: dict[str, int] = {}
        self.routes: dict[str, bytes] = {}
        self.status: dict[str, int] = {}
        self.ranges = True
        self.delay_s = 0.0
        self.lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def count(self, path: str) -> int:
        """How many requests asked for ``path`` (query strings ignored)."""
        wanted = "/" + path.lstrip("/")
        with self.lock:
            return sum(urlsplit(p).path == wanted for _, p, _ in self.requests)

    def __enter__(self) -> FileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def download_in_child(url: str, dst: str, hash_prefix: str, barrier) -> None:
    """Process target for concurrency tests: wait for the sibling, then download."""
    from ember.hub import download_url_to_file

    barrier.wait(timeout=60)
    download_url_to_file(url, dst, hash_prefix=hash_prefix, progress=False)
