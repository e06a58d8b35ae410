"""make bench (run by tests/bench/run in target/bench/venv): the cost of one XOAUTH2 call from
Python, through the binding and the standard-library way, with timeit. Prints JSON."""

import base64
import json
import statistics
import timeit
from typing import Any, Callable

import mailoauth

USER = "archive@contoso.com"
# The same 2 KB token as core/benches/core.rs.
TOKEN = "eyJ0eXAiOiJKV1QifQ." + "A" * (2048 - 24) + ".c2ln"
assert len(TOKEN) == 2048


def stdlib(user: str, token: str) -> str:
    """What Python users write without a library (the imaplib/smtplib documentation recipe)."""
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def measure(fn: Callable[[str, str], str]) -> dict[str, Any]:
    """Median time per call over 21 samples of about 50 ms each: the statistic criterion reports
    for the Rust side, so the two are comparable."""
    timer = timeit.Timer(lambda: fn(USER, TOKEN))
    number, _ = timer.autorange()  # calls for at least 0.2 s
    number = max(1, number // 4)
    samples = sorted(t / number for t in timer.repeat(repeat=21, number=number))
    median = statistics.median(samples)
    return {"ns_per_call": round(median * 1e9, 1), "calls_per_sec": round(1 / median),
            "min_ns_per_call": round(samples[0] * 1e9, 1), "calls_per_sample": number,
            "samples": len(samples), "statistic": "median of 21 samples"}


if mailoauth.xoauth2(USER, TOKEN) != stdlib(USER, TOKEN):
    raise SystemExit("the binding and the standard library disagree on the XOAUTH2 string")
print(json.dumps({"token_len": len(TOKEN), "binding": measure(mailoauth.xoauth2),
                  "stdlib": measure(stdlib)}))
