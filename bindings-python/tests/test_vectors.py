"""The Python runner of the shared conformance vectors (tests/vectors/README.md).

Same contract as the Rust runner (core/tests/vectors.rs): reads every ``*.json`` file of
``$MAILOAUTH_VECTORS`` (default: the repository's ``tests/vectors``), runs every vector through the
PYTHON API, fails on a kind it does not know and on a file it cannot parse, names each failure
``file:name``, and prints ``vectors: python ran N, failed F`` (from conftest.py, once).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

import mailoauth

VECTORS = Path(
    os.environ.get("MAILOAUTH_VECTORS")
    or Path(__file__).resolve().parents[2] / "tests" / "vectors"
)


class Mismatch(AssertionError):
    pass


def eq(field: str, got: Any, want: Any) -> None:
    if got != want:
        raise Mismatch(f"{field}: got {got!r}, want {want!r}")


def expected_error(v: dict[str, Any]) -> Optional[str]:
    e = v.get("expect", {}).get("error")
    return e if isinstance(e, str) else None


def check_error(v: dict[str, Any], fn: Callable[[], Any]) -> Any:
    """Runs fn; returns its value, or None when the vector expected (and got) an error code."""
    want = expected_error(v)
    try:
        got = fn()
    except mailoauth.Error as e:
        if want is None:
            raise Mismatch(f"unexpected error {e.code}: {e}") from None
        eq("error code", e.code, want)
        return None
    if want is not None:
        raise Mismatch(f"expected error {want!r}, got {got!r}")
    return got


def url_eq(got: str, want: str) -> None:
    """Scheme, host, port and path exactly; the query as a multiset of decoded pairs."""
    from urllib.parse import parse_qsl, urlsplit

    def parts(u: str) -> Any:
        s = urlsplit(u)
        return (s.scheme, s.hostname, s.port, s.path or "/", sorted(parse_qsl(s.query, keep_blank_values=True)))

    if parts(got) != parts(want):
        raise Mismatch(f"url: got {got}, want {want}")


# ------------------------------------------------------------------------------------------------
# One function per kind.


def run_xoauth2(v: dict[str, Any]) -> None:
    i = v["input"]
    b64 = check_error(v, lambda: mailoauth.xoauth2(i["user"], i["token"]))
    if b64 is not None:
        eq("base64", b64, v["expect"]["base64"])


def run_oauthbearer(v: dict[str, Any]) -> None:
    i = v["input"]
    b64 = check_error(
        v,
        lambda: mailoauth.oauthbearer(i["user"], i["token"], host=i.get("host"), port=i.get("port")),
    )
    if b64 is not None:
        eq("base64", b64, v["expect"]["base64"])


def run_sasl_error_challenge(v: dict[str, Any]) -> None:
    e = check_error(v, lambda: mailoauth.decode_error_challenge(v["input"]["base64"]))
    if e is not None:
        x = v["expect"]
        eq("status", e.status, x.get("status"))
        eq("schemes", e.schemes, x.get("schemes"))
        eq("scope", e.scope, x.get("scope"))
        eq("openid_configuration", e.openid_configuration, x.get("openid_configuration"))


def run_admin_consent_url(v: dict[str, Any]) -> None:
    i = v["input"]
    url = check_error(
        v,
        lambda: mailoauth.admin_consent_url(
            tenant=i["tenant"],
            client_id=i["client_id"],
            cloud=i.get("cloud", "global"),
            redirect_uri=i.get("redirect_uri"),
            scope=i.get("scope"),
            state=i.get("state"),
            variant=i.get("variant", "v2"),
        ),
    )
    if url is not None:
        url_eq(url, v["expect"]["url"])


KINDS: dict[str, Callable[[dict[str, Any]], None]] = {
    "xoauth2": run_xoauth2,
    "oauthbearer": run_oauthbearer,
    "sasl_error_challenge": run_sasl_error_challenge,
    "admin_consent_url": run_admin_consent_url,
}


# ------------------------------------------------------------------------------------------------
# Collection: one pytest case per vector, named file:name.


def _load() -> list[Any]:
    cases: list[Any] = []
    try:
        files = sorted(p for p in VECTORS.iterdir() if p.suffix == ".json")
    except OSError as e:
        return [pytest.param(None, f"cannot read vector folder {VECTORS}: {e}", id="<folder>")]
    for path in files:
        try:
            doc = json.loads(path.read_bytes())
        except (OSError, ValueError) as e:
            cases.append(pytest.param(None, f"cannot parse: {e}", id=f"{path.name}"))
            continue
        if not isinstance(doc, dict) or doc.get("schema") != 1:
            cases.append(pytest.param(None, "schema is not 1", id=path.name))
            continue
        vectors = doc.get("vectors")
        if not isinstance(vectors, list):
            cases.append(pytest.param(None, 'no "vectors" array', id=path.name))
            continue
        for v in vectors:
            name = v.get("name", "<unnamed>") if isinstance(v, dict) else "<not an object>"
            cases.append(pytest.param(v, None, id=f"{path.name}:{name}"))
    return cases


@pytest.mark.parametrize(("vector", "load_error"), _load())
def test_vector(vector: Optional[dict[str, Any]], load_error: Optional[str]) -> None:
    if load_error is not None or vector is None:
        pytest.fail(load_error or "vector is not an object", pytrace=False)
    kind = vector.get("kind", "<no kind>")
    run = KINDS.get(kind)
    if run is None:
        pytest.fail(f"unknown vector kind {kind!r}", pytrace=False)
    try:
        run(vector)
    except Mismatch as e:
        pytest.fail(f"({kind}) {e}", pytrace=False)
