#!/usr/bin/env python3
"""`make bench-readme`: rewrites README.md's Performance section from target/bench/report.json
(and, when present, the last fuzzing campaign's target/fuzz/report.json from `make fuzz`).

Only the text between `<!-- perf:begin -->` and `<!-- perf:end -->` is replaced; everything in
it comes from the report (figures, machine, date), so the README quotes the last real run.
Usage: tests/bench/readme.py [--check]   (--check: exit 1 if README.md is not up to date)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
BEGIN, END = "<!-- perf:begin -->", "<!-- perf:end -->"


def kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def section(r: dict[str, Any]) -> str:
    m, b, s, p, n = (r["machine"], r["browser"], r["python_startup"], r["python_calls"],
                     r["native_sizes"])
    mb, oa, ours = b["msal_browser"], b["oauth4webapi"], b["mailoauth"]
    out = [
        f"`make bench` on {m['cpu']} ({m['cores']} cores, shared; load average "
        f"{m['load_average_at_start'][0]} at the start), {m['os']}, {m['date']}; "
        f"{m['rustc']}, {m['python']}, Node {m['node']}. Regenerate with `make bench` then "
        "`make bench-readme`; the full report is `target/bench/report.md`.",
        "",
        "| measure | mailoauth | the alternative |",
        "|---|---|---|",
    ]
    alt = (f"@azure/msal-browser {mb['version']}: {kb(mb['gzip9'])}; "
           f"oauth4webapi {oa['version']} (esbuild): {kb(oa['gzip9'])}")
    if "unavailable" in ours:
        out.append(f"| browser payload, gzip -9 | not available: {ours['unavailable']} | {alt} |")
    else:
        full = b.get("mailoauth_package", {})
        scale = (f"; the package with every capability: {kb(full['gzip9'])}"
                 if "gzip9" in full else "")
        out.append(f"| browser payload, gzip -9: the page's first load (HTML, CSS, app.js, glue, first wasm "
                   f"module) | {kb(ours['first_load_gzip9'])} (sign-in and diagnosis on demand: "
                   f"{kb(ours['on_demand']['gzip9'])}; both modules {kb(ours['both_gzip9'])}{scale}) | {alt} |")
    out += [
        f"| Python start-up, median of {s['runs']} (import + XOAUTH2 + token request) | "
        f"{s['mailoauth']['median_ms']:.1f} ms, {s['mailoauth']['median_peak_rss_kib'] / 1024:.1f} MiB "
        f"peak RSS (the interpreter alone: {s['python']['median_ms']:.1f} ms) | "
        f"`import msal` {s['msal_version']}: {s['msal']['median_ms']:.1f} ms, "
        f"{s['msal']['median_peak_rss_kib'] / 1024:.1f} MiB ({s['ratio_time']:.2f}× the time) |",
        f"| XOAUTH2 string from Python, 2 KB token | binding {p['binding']['ns_per_call'] / 1000:.2f} µs "
        f"(core alone {p['rust_core_ns'] / 1000:.2f} µs"
        + ("; the binding calls the same function, so the difference is noise"
           if p["binding_overhead_ns"] < 0 else "")
        + ") | stdlib base64: "
        f"{p['stdlib']['ns_per_call'] / 1000:.2f} µs |",
    ]
    for key, label in (("python_extension", "Python extension, stripped"),
                       ("uniffi_cdylib", "UniFFI cdylib, stripped")):
        x = n[key]
        value = f"not available: {x['unavailable']}" if "unavailable" in x else kb(x["stripped"])
        c = x.get("composition")
        if c:
            secs = c["sections"]
            value += (f" (code {kb(secs.get('.text', 0))}, read-only data "
                      f"{kb(secs.get('.rodata', 0))}, unwinding tables {kb(c['unwind_tables'])}"
                      + (f"; largest crates: " + ", ".join(
                          f"{k} {kb(v)}" for k, v in list(c["crates"].items())[:4])
                         if c.get("crates") else "") + ")")
        out.append(f"| {label} | {value} | |")
    rl = r.get("relay")
    if rl is not None and "unavailable" not in rl:
        d, v = rl["mb_per_s"]["direct"], rl["mb_per_s"]["relay"]
        out.append(f"| `mailoauth relay`, 10 MB IMAP APPEND / FETCH (median of {rl['runs']}) | "
                   f"{v['append']:,.1f} / {v['fetch']:,.1f} MB/s ({rl['ratio']['append']:.2f} / "
                   f"{rl['ratio']['fetch']:.2f} of direct); {rl['kib_per_idle_session']:.1f} KiB per idle session | "
                   f"direct to Dovecot: {d['append']:,.1f} / {d['fetch']:,.1f} MB/s |")
    elif rl is not None:
        out.append(f"| `mailoauth relay` throughput | not available: {rl['unavailable']} | |")
    out += ["", "| native operation (criterion) | ops/s per core | allocations/op |", "|---|---:|---:|"]
    for c in r["native"]["cases"]:
        out.append(f"| {c['what']} | {c['ops_per_sec']:,} | {c['allocs_per_op']:.0f} |")
    st = r.get("stores")
    if st and "per_1000" in st.get("naive", {}):
        per = {k: st[k]["per_1000"] for k in ("file", "sqlite", "redis") if "per_1000" in st.get(k, {})}
        reads = {k: st[k]["cached"]["get_token_median_us"] for k in ("file", "sqlite", "redis")
                 if "cached" in st.get(k, {})}
        out += ["", f"Token stores ({st['workers']} worker processes, one tenant, one expiry window): token "
                f"requests per 1,000 worker starts — naive {st['naive']['per_1000']:,.0f}; "
                + ", ".join(f"{k} {v:,.0f}" for k, v in per.items())
                + ". Cached `get_token` median: " + ", ".join(f"{k} {v:,.1f} µs" for k, v in reads.items()) + "."]
    goals = []
    if "goals" in b:
        g = b["goals"]
        goals.append("both page modules under the 100 KB gzipped budget: "
                     f"{verdict(g['both_modules_under_100kb_page_budget'])}")
        goals.append(f"first load under 45 kB gzipped: {verdict(g['first_load_under_45kb_gz'])}")
        goals.append(f"first load below msal-browser: {verdict(g['first_load_below_msal_browser_gz'])}")
    else:
        goals.append("browser payload goals: not evaluated (payload not available)")
    if "under_1mb" in n["uniffi_cdylib"]:
        goals.append(f"UniFFI cdylib under 1 MB: {verdict(n['uniffi_cdylib']['under_1mb'])}")
    goals.append(f"Python start-up under 25 ms: {verdict(s['goals']['under_25ms'])}")
    goals.append(f"under a fifth of msal's: {verdict(s['goals']['under_fifth_of_msal'])}")
    if rl is not None and "goal_0_8_of_direct" in rl:
        goals.append(f"relay at least 0.8 of direct throughput: {verdict(rl['goal_0_8_of_direct'])}")
    out += ["", "Goals: " + "; ".join(goals) + "."]
    if r.get("quick"):
        out += ["", "(Quick run, BENCH_QUICK=1: short measurements.)"]
    return "\n".join(out)


# How fuzz_section begins: a README with no new campaign report keeps its paragraph from here.
FUZZ_START = "Fuzzing: the last `make fuzz` campaign"


def fuzz_section(f: dict[str, Any]) -> str:
    """One paragraph on the last `make fuzz` campaign (target/fuzz/report.json)."""
    targets = f["targets"]
    crashed = [t["target"] for t in targets if t["crashed"]]
    execs = sum(t["executions"] for t in targets)
    lines = [
        f"{FUZZ_START} ({f['date']}, {f['seconds_per_target']} s per "
        f"target, {f['toolchain']}) ran {len(targets)} cargo-fuzz targets for {execs:,} executions "
        + (f"and found crashes in {', '.join(crashed)}." if crashed else "without a crash.")
        + " Coverage is libFuzzer's edges at start → end; the corpus (kept in `core/fuzz/corpus`, "
        "git-ignored) grows from campaign to campaign:",
        "",
        "| target | executions | edges | corpus files |",
        "|---|---:|---:|---:|",
    ]
    for t in targets:
        start = t.get("corpus_files_start")
        corpus = f"{t['corpus_files']:,}" if start is None else f"{start:,} → {t['corpus_files']:,}"
        lines.append(f"| `{t['target']}` | {t['executions'] or 0:,} | {t['cov_start']:,} → {t['cov']:,} | {corpus} |")
    return "\n".join(lines)


def main() -> None:
    report_path = ROOT / "target" / "bench" / "report.json"
    if not report_path.is_file():
        sys.exit("no target/bench/report.json: run `make bench` first")
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text()
    if readme.count(BEGIN) != 1 or readme.count(END) != 1 or readme.index(BEGIN) > readme.index(END):
        sys.exit(f"README.md needs exactly one {BEGIN} … {END} pair")
    head, rest = readme.split(BEGIN)
    _, tail = rest.split(END)
    body = section(json.loads(report_path.read_text()))
    fuzz_path = ROOT / "target" / "fuzz" / "report.json"
    if fuzz_path.is_file():
        body += "\n\n" + fuzz_section(json.loads(fuzz_path.read_text()))
    elif FUZZ_START in rest:
        # No campaign in this checkout (a fresh clone has no target/): the last campaign's
        # paragraph stays as it is, rather than vanish from the README.
        body += "\n\n" + FUZZ_START + rest.split(END)[0].split(FUZZ_START, 1)[1].rstrip("\n")
        print("README.md: no target/fuzz/report.json here; the last fuzzing paragraph is kept")
    new = f"{head}{BEGIN}\n{body}\n{END}{tail}"
    if "--check" in sys.argv[1:]:
        sys.exit(0 if new == readme else "README.md's Performance section is not the last report")
    readme_path.write_text(new)
    print("README.md: Performance section rewritten from target/bench/report.json")


if __name__ == "__main__":
    main()
