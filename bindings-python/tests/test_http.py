"""mailoauth.send against a local http.server."""

from __future__ import annotations

import pytest

import mailoauth
from servers import HttpServer, Reply


def test_post_form_and_success() -> None:
    with HttpServer({"/token": [Reply(200, {"access_token": "abc", "token_type": "Bearer"})]}) as srv:
        req = mailoauth.HttpRequest(
            "POST", f"{srv.base}/token", headers=[("Content-Type", "application/x-www-form-urlencoded")], body=b"a=b+c&d=e"
        )
        resp = mailoauth.send(req)
    assert resp.status == 200
    assert b'"access_token"' in resp.body
    assert resp.header("content-type") == "application/json"
    (rec,) = srv.requests
    assert rec.method == "POST" and rec.path == "/token"
    assert rec.form == {"a": "b c", "d": "e"}
    assert rec.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert rec.headers["User-Agent"] == "mailoauth-python"


def test_http_errors_are_responses_not_exceptions() -> None:
    body = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret", "error_codes": [7000215]}
    with HttpServer({"/token": [Reply(401, body)], "/busy": [Reply(503, "<html>down</html>", {"Retry-After": "7"})]}) as srv:
        r = mailoauth.send(mailoauth.HttpRequest("POST", f"{srv.base}/token", body=b"x=1"))
        assert r.status == 401 and b"7000215" in r.body
        r = mailoauth.send(mailoauth.HttpRequest("GET", f"{srv.base}/busy"))
        assert r.status == 503 and r.retry_after() == 7
        r = mailoauth.send(mailoauth.HttpRequest("GET", f"{srv.base}/nowhere"))
        assert r.status == 404


def test_redirects_are_not_followed() -> None:
    with HttpServer({"/r": [Reply(302, "", {"Location": "http://127.0.0.1:9/elsewhere"})]}) as srv:
        r = mailoauth.send(mailoauth.HttpRequest("GET", f"{srv.base}/r"))
    assert r.status == 302 and r.header("location") == "http://127.0.0.1:9/elsewhere"


def test_connection_refused_is_network_error() -> None:
    import socket

    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(mailoauth.NetworkError) as info:
        mailoauth.send(mailoauth.HttpRequest("POST", f"http://127.0.0.1:{port}/token", body=b"client_secret=s3cr3t"))
    e = info.value
    assert e.code == "network_error" and e.transient is True
    assert f"127.0.0.1:{port}" in str(e)
    assert "s3cr3t" not in str(e)


def test_timeout_and_dropped_connection_are_network_errors() -> None:
    with HttpServer({"/slow": [Reply(200, "late", delay=1.0)], "/drop": [Reply(drop=True)]}) as srv:
        with pytest.raises(mailoauth.NetworkError):
            mailoauth.send(mailoauth.HttpRequest("GET", f"{srv.base}/slow"), timeout=0.2)
        with pytest.raises(mailoauth.NetworkError):
            mailoauth.send(mailoauth.HttpRequest("GET", f"{srv.base}/drop"))
