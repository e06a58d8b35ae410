#!/usr/bin/env python3
"""`make bench`, relay part: a 10 MB message through `mailoauth relay` against the same transfer
straight to Dovecot, and the relay's memory per idle session. Run by tests/bench/run with the
bench venv's Python (mailoauth installed); prints one JSON document (or writes it to --json).

- Throughput: IMAP APPEND (client -> server) and FETCH (server -> client) of a 10 MB message,
  direct to Dovecot (XOAUTH2 with the account's token) and through the relay (LOGIN with the local
  password), interleaved, the median MB/s of each; the ratio relay / direct (goal: at least 0.8).
- Memory: the relay process's resident set (VmRSS) before and after opening idle sessions
  (logged in: the relay holds a client and an upstream connection for each), per session.

The local Dovecot + oidc-provider stack of tests/e2e (JWT mode) is started and stopped here.
"""

from __future__ import annotations

import argparse
import imaplib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

SIZE = 10 * 1000 * 1000
RUNS = int(os.environ.get("RELAY_BENCH_RUNS", "5"))
IDLE = int(os.environ.get("RELAY_BENCH_IDLE", "200"))
PASSWORD = "bench-relay-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message() -> bytes:
    line = b"x" * 76 + b"\r\n"
    body = line * (SIZE // len(line) + 1)
    return b"From: bench@example.test\r\nSubject: relay bench\r\n\r\n" + body[:SIZE]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def transfer(conn: imaplib.IMAP4, msg: bytes) -> tuple[float, float]:
    """Seconds for APPEND, then for FETCH of the appended message (deleted afterwards)."""
    t0 = time.perf_counter()
    typ, data = conn.append("INBOX", None, None, msg)
    t1 = time.perf_counter()
    assert typ == "OK", data
    conn.select("INBOX")
    typ, ids = conn.search(None, "ALL")
    last = ids[0].split()[-1]
    t2 = time.perf_counter()
    typ, fetched = conn.fetch(last, "(BODY.PEEK[])")
    t3 = time.perf_counter()
    assert typ == "OK" and len(fetched[0][1]) == len(msg)
    conn.store(last, "+FLAGS", "\\Deleted")
    conn.expunge()
    conn.close()
    return t1 - t0, t3 - t2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    from faults import FaultProxy
    from stack import Stack

    import mailoauth

    msg = message()
    with Stack("jwt") as stack, tempfile.TemporaryDirectory() as tmp:
        info = stack.info
        d = Path(tmp)
        c = info["clients"]["secret"]
        (d / "accounts.toml").write_text(
            f'[accounts.daemon]\nprovider = "custom"\nclient_id = "{c["client_id"]}"\ntenant = "{info["tenant_id"]}"\n'
            f'token_url = "{info["token_url"]}"\nmailbox = "{c["mailbox"]}"\nclient_secret_env = "BENCH_SECRET"\n'
            f'protocols = ["imap"]\n')
        env = {**os.environ, "BENCH_SECRET": c["client_secret"], "MAILOAUTH_CACHE": str(d / "tokens.json")}
        py = sys.executable
        hashed = subprocess.run([py, "-m", "mailoauth", "relay", "hash-password", "--stdin"], input=PASSWORD + "\n",
                                capture_output=True, text=True, check=True).stdout.strip()
        port, idle_port = free_port(), free_port()
        # Idle sessions go through a pass-through proxy that connects from its own 127.x.y.z per
        # session: Dovecot allows a user 10 connections per client address.
        proxy = FaultProxy(info["imap"]["port"]).__enter__()
        (d / "relay.toml").write_text(
            f'[relay]\naccounts_file = "accounts.toml"\ncache = "tokens.json"\nmax_sessions = {IDLE + 50}\n'
            f'[[listen]]\nprotocol = "imap"\nport = {port}\nupstream = "127.0.0.1:{info["imap"]["port"]}"\n'
            f'upstream_tls = "none"\n'
            f'[[listen]]\nprotocol = "imap"\nport = {idle_port}\nupstream = "127.0.0.1:{proxy.port}"\n'
            f'upstream_tls = "none"\n[users.bench]\npassword_hash = "{hashed}"\naccount = "daemon"\n')
        token = subprocess.run([py, "-m", "mailoauth", "token", "--account", "daemon", "--config", str(d / "accounts.toml")],
                               capture_output=True, text=True, env=env, check=True).stdout.strip()
        log = open(d / "relay.log", "w")
        relay = subprocess.Popen([py, "-m", "mailoauth", "relay", "run", "--config", str(d / "relay.toml"),
                                  "--log-level", "warning"], stdout=log, stderr=log, env=env, cwd=d)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or relay.poll() is not None:
                        raise RuntimeError("the relay did not start: " + (d / "relay.log").read_text())
                    time.sleep(0.1)

            def direct() -> imaplib.IMAP4:
                conn = imaplib.IMAP4("127.0.0.1", info["imap"]["port"], timeout=60)
                mailoauth.imap_login(conn, c["mailbox"], token)
                return conn

            def via_relay(port: int = port) -> imaplib.IMAP4:
                conn = imaplib.IMAP4("127.0.0.1", port, timeout=60)
                conn.login("bench", PASSWORD)
                return conn

            results: dict[str, dict[str, list[float]]] = {"direct": {"append": [], "fetch": []},
                                                          "relay": {"append": [], "fetch": []}}
            for i in range(RUNS + 1):  # the first round warms up
                for name, opener in (("direct", direct), ("relay", via_relay)):
                    conn = opener()
                    up, down = transfer(conn, msg)
                    conn.logout()
                    if i:
                        results[name]["append"].append(SIZE / up / 1e6)
                        results[name]["fetch"].append(SIZE / down / 1e6)

            base = rss_kib(relay.pid)
            idle = []
            for _ in range(IDLE):
                idle.append(via_relay(idle_port))
            time.sleep(0.5)
            loaded = rss_kib(relay.pid)
            for conn in idle:
                conn.logout()
        finally:
            relay.terminate()
            relay.wait(30)
            log.close()
            proxy.__exit__(None, None, None)
    med = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in results.items()}
    out: dict[str, Any] = {
        "size_bytes": SIZE, "runs": RUNS,
        "mb_per_s": med,
        "ratio": {k: med["relay"][k] / med["direct"][k] for k in ("append", "fetch")},
        "idle_sessions": IDLE, "rss_before_kib": base, "rss_idle_kib": loaded,
        "kib_per_idle_session": (loaded - base) / IDLE,
    }
    out["goal_0_8_of_direct"] = all(v >= 0.8 for v in out["ratio"].values())
    text = json.dumps(out, indent=2)
    if args.json:
        Path(args.json).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
