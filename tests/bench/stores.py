#!/usr/bin/env python3
"""Token stores in `make bench`: token requests per 1,000 worker starts (naive vs each store) and
the cached-read latency of each store. Run by tests/bench/run with the bench venv's Python (the
release wheel, redis-py, cryptography); prints one JSON document.

- Worker starts: 1,000 worker processes (forked from this one, which has imported mailoauth: a
  fork costs what a worker's own start-up would not add to the figure), 50 at a time, each
  needing an app-only token for the same tenant from a counting token endpoint on 127.0.0.1.
  "naive" workers call `client_credentials` themselves; the others call `get_token(...,
  cache=<store>)`. The token lives an hour, so the whole run is one expiry window.
- Cached reads: `get_token` answered from each store (a fresh token present), median and p99 of
  READS calls in one process; also the store's bare `get`.
The Redis store runs against Debian's redis-server started here on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Optional

import mailoauth
from mailoauth import flows
from mailoauth.stores import open_store

WORKERS = int(os.environ.get("BENCH_STORE_WORKERS", "1000"))
WAVE = 50
READS = 2000
CLIENT = "00000000-1111-2222-3333-444444444444"
SCOPES = ["https://outlook.office365.com/.default"]


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


def token_endpoint(counter: Counter) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with counter.lock:
                counter.count += 1
                n = counter.count
            body = json.dumps({"token_type": "Bearer", "expires_in": 3600, "access_token": f"at-{n}"}).encode()
            time.sleep(0.05)  # an identity provider's answer takes time
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd


def start_redis(workdir: Path) -> tuple[Optional[subprocess.Popen[bytes]], Optional[str], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        return None, None, "redis-server is not installed (.ci/install-deps bench)"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            client.ping()
            return proc, f"redis://127.0.0.1:{port}/0", ""
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    return None, None, "redis-server did not start"


def app_for(token_url: str) -> flows.App:
    return flows.App(client_id=CLIENT, tenant="contoso.onmicrosoft.com", client_secret="not-a-secret",
                     endpoints=mailoauth.Endpoints(token_url=token_url))


def worker(store_url: Optional[str], token_url: str) -> int:
    """One worker's job: a token, from the store (or straight from the endpoint: naive)."""
    app = app_for(token_url)
    try:
        if store_url is None:
            flows.client_credentials(app, scope=" ".join(SCOPES))
        else:
            with open_store(store_url) as store:
                flows.get_token(app, flow="client_credentials", scopes=SCOPES, cache=store)
    except Exception as e:  # noqa: BLE001 - reported through the exit status
        print(f"worker: {e}", file=sys.stderr)
        return 1
    return 0


def fleet(store_url: Optional[str]) -> dict[str, Any]:
    counter = Counter()
    httpd = token_endpoint(counter)
    token_url = f"http://127.0.0.1:{httpd.server_address[1]}/token"
    failed = 0
    t0 = time.perf_counter()
    started = 0
    while started < WORKERS:
        pids = []
        for _ in range(min(WAVE, WORKERS - started)):
            pid = os.fork()
            if pid == 0:
                code = worker(store_url, token_url)
                os._exit(code)
            pids.append(pid)
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            failed += os.waitstatus_to_exitcode(status) != 0
        started += len(pids)
    seconds = time.perf_counter() - t0
    httpd.shutdown()
    httpd.server_close()
    return {"workers": WORKERS, "token_requests": counter.count, "per_1000": round(counter.count * 1000 / WORKERS, 1),
            "failed_workers": failed, "seconds": round(seconds, 2)}


def cached_reads(store_url: str) -> dict[str, Any]:
    counter = Counter()
    httpd = token_endpoint(counter)
    app = app_for(f"http://127.0.0.1:{httpd.server_address[1]}/token")
    key = mailoauth.cache.cache_key(client_id=CLIENT, token_url=app.resolved_endpoints().token_url, scopes=SCOPES)
    with open_store(store_url) as store:
        flows.get_token(app, flow="client_credentials", scopes=SCOPES, cache=store)
        for _ in range(50):  # warm-up
            flows.get_token(app, flow="client_credentials", scopes=SCOPES, cache=store)
        samples, bare = [], []
        for _ in range(READS):
            t = time.perf_counter_ns()
            flows.get_token(app, flow="client_credentials", scopes=SCOPES, cache=store)
            samples.append(time.perf_counter_ns() - t)
            t = time.perf_counter_ns()
            store.get(key)
            bare.append(time.perf_counter_ns() - t)
    httpd.shutdown()
    httpd.server_close()
    assert counter.count == 1, "the cached reads asked the token endpoint"
    samples.sort()
    bare.sort()
    return {"reads": READS, "get_token_median_us": round(statistics.median(samples) / 1000, 1),
            "get_token_p99_us": round(samples[int(len(samples) * 0.99)] / 1000, 1),
            "get_median_us": round(statistics.median(bare) / 1000, 1)}


def main() -> None:
    import mailoauth.cache  # noqa: F401  (cache_key)

    out: dict[str, Any] = {"workers": WORKERS, "wave": WAVE}
    with tempfile.TemporaryDirectory(prefix="mailoauth-bench-stores-") as tmp:
        d = Path(tmp)
        redis_proc, redis_url, why = start_redis(d)
        key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # a fixed bench key (32 bytes, base64)
        stores: dict[str, Optional[str]] = {
            "file": f"file:{d / 'tokens.json'}",
            "sqlite": f"sqlite:{d / 'tokens.db'}",
            "redis": redis_url,
        }
        try:
            out["naive"] = fleet(None)
            for name, url in stores.items():
                if url is None:
                    out[name] = {"unavailable": why}
                    continue
                out[name] = fleet(url)
                if name == "redis":
                    import redis

                    redis.Redis.from_url(url).flushdb()
                out[name]["cached"] = cached_reads(url.replace("tokens.", "reads.") if name != "redis" else url)
            os.environ["MAILOAUTH_STORE_KEY"] = key
            for name in ("file", "sqlite"):
                url = stores[name]
                assert url is not None
                out[f"{name}_encrypted"] = {"cached": cached_reads(url.replace("tokens.", "sealed."))}
            del os.environ["MAILOAUTH_STORE_KEY"]
        finally:
            if redis_proc is not None:
                redis_proc.terminate()
                redis_proc.wait(timeout=10)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
