#!/usr/bin/env python3
"""A tiny SMTP sink for the end-to-end stack (stdlib asyncio). TEST ONLY.

Dovecot's submission service relays every accepted message here; each one is written to
``<dir>/<n>.eml`` (with ``X-Sink-Mail-From`` / ``X-Sink-Rcpt-To`` headers prepended), atomically,
so a test can wait for the file. Listens on 127.0.0.1 only. Every command is logged on stdout.

    python3 tests/e2e/smtp_sink.py --port 2525 --dir /tmp/sink
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import sys

_counter = itertools.count(1)


def log(text: str) -> None:
    print(f"sink: {text}", flush=True)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, folder: str) -> None:
    peer = writer.get_extra_info("peername")
    log(f"connection from {peer}")

    async def reply(line: str) -> None:
        writer.write(line.encode() + b"\r\n")
        await writer.drain()

    mail_from = ""
    rcpt: list[str] = []
    await reply("220 sink.example.test ESMTP mailoauth test sink")
    try:
        while True:
            raw = await asyncio.wait_for(reader.readline(), timeout=60)
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            log(f"C: {line[:200]}")
            if verb in ("EHLO", "LHLO"):
                await reply("250-sink.example.test")
                await reply("250-8BITMIME")
                await reply("250-PIPELINING")
                await reply("250 SIZE 10485760")
            elif verb == "HELO":
                await reply("250 sink.example.test")
            elif verb == "MAIL":
                mail_from, rcpt = line[10:].split(" ")[0].strip("<>"), []
                await reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                rcpt.append(line[8:].split(" ")[0].strip("<>"))
                await reply("250 2.1.5 Ok")
            elif verb == "DATA":
                await reply("354 End data with <CR><LF>.<CR><LF>")
                chunks: list[bytes] = []
                while True:
                    d = await asyncio.wait_for(reader.readline(), timeout=60)
                    if not d or d in (b".\r\n", b".\n"):
                        break
                    chunks.append(d[1:] if d.startswith(b"..") else d)
                n = next(_counter)
                head = f"X-Sink-Mail-From: {mail_from}\r\nX-Sink-Rcpt-To: {', '.join(rcpt)}\r\n".encode()
                tmp = os.path.join(folder, f".{n}.tmp")
                with open(tmp, "wb") as f:
                    f.write(head + b"".join(chunks))
                os.replace(tmp, os.path.join(folder, f"{n}.eml"))
                log(f"stored message {n}.eml from {mail_from} to {rcpt}")
                await reply(f"250 2.0.0 Ok: queued as {n}")
            elif verb == "RSET":
                mail_from, rcpt = "", []
                await reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                await reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                await reply("221 2.0.0 Bye")
                break
            else:
                await reply("502 5.5.2 Command not recognized")
    except (asyncio.TimeoutError, ConnectionError) as e:
        log(f"connection ended: {type(e).__name__}")
    finally:
        writer.close()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    server = await asyncio.start_server(lambda r, w: handle(r, w, args.dir), "127.0.0.1", args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log(f"listening on 127.0.0.1:{args.port}, storing into {args.dir}")
    async with server:
        await stop.wait()
    log("stopped")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
