"""The loopback redirect listener."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest

from mailoauth.loopback import LoopbackListener


def test_captures_the_redirect_query() -> None:
    with LoopbackListener(path="/cb") as listener:
        assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/cb"
        pages: list[bytes] = []
        other_paths: list[int] = []

        def browser() -> None:
            # The status is checked by the test's thread: an assertion failing in this one would
            # only be a warning (and a favicon answered 200 would never reach it).
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{listener.port}/favicon.ico", timeout=5) as r:
                    other_paths.append(r.status)
            except urllib.error.HTTPError as e:
                other_paths.append(e.code)
            with urllib.request.urlopen(f"{listener.redirect_uri}?code=abc&state=xyz", timeout=5) as r:
                pages.append(r.read())

        t = threading.Thread(target=browser)
        t.start()
        url = listener.wait(timeout=10)
        t.join()
    assert other_paths == [404]  # another path is refused and the listener keeps waiting
    assert url == f"{listener.redirect_uri}?code=abc&state=xyz"
    assert b"close this window" in pages[0]


def test_form_post() -> None:
    with LoopbackListener() as listener:
        def browser() -> None:
            req = urllib.request.Request(listener.redirect_uri, data=b"code=c&state=s", method="POST")
            urllib.request.urlopen(req, timeout=5).read()

        t = threading.Thread(target=browser)
        t.start()
        url = listener.wait(timeout=10)
        t.join()
    assert url == f"{listener.redirect_uri}?code=c&state=s"


def test_timeout_returns_none() -> None:
    with LoopbackListener() as listener:
        assert listener.wait(timeout=0.3) is None


def test_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        LoopbackListener(host="0.0.0.0")


def test_redirect_uri_may_name_localhost() -> None:
    with LoopbackListener(uri_host="localhost", path="cb") as listener:
        assert listener.redirect_uri == f"http://localhost:{listener.port}/cb"
    with pytest.raises(ValueError, match="loopback only"):
        LoopbackListener(uri_host="example.com")


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_requests_without_the_authorization_response_get_404_and_do_not_consume_it() -> None:
    with LoopbackListener() as listener:
        statuses: list[int] = []

        def browser() -> None:
            base = listener.redirect_uri
            statuses.append(_status(base))                        # a bare GET /
            statuses.append(_status(f"http://127.0.0.1:{listener.port}/favicon.ico"))
            statuses.append(_status(f"{base}?code=abc"))          # no state
            statuses.append(_status(f"{base}?state=xyz"))         # neither code nor error
            statuses.append(_status(f"{base}?error=access_denied&state=xyz"))

        t = threading.Thread(target=browser)
        t.start()
        url = listener.wait(timeout=10)
        t.join()
    assert url == f"{listener.redirect_uri}?error=access_denied&state=xyz"
    assert statuses == [404, 404, 404, 404, 200]


def test_an_idle_connection_does_not_block_the_sign_in() -> None:
    import socket
    import time

    with LoopbackListener(connection_timeout=30) as listener:
        idle = socket.create_connection(("127.0.0.1", listener.port))  # sends nothing
        half = socket.create_connection(("127.0.0.1", listener.port))
        half.sendall(b"GET /?code=")                                    # never finishes its line
        got: list[bytes] = []

        def browser() -> None:
            with urllib.request.urlopen(f"{listener.redirect_uri}?code=abc&state=xyz", timeout=5) as r:
                got.append(r.read())

        t = threading.Thread(target=browser)
        t0 = time.monotonic()
        t.start()
        url = listener.wait(timeout=10)
        t.join()
        elapsed = time.monotonic() - t0
        idle.close()
        half.close()
    assert url == f"{listener.redirect_uri}?code=abc&state=xyz"
    assert got and elapsed < 5


def test_an_idle_connection_is_closed_after_the_timeout() -> None:
    import socket

    with LoopbackListener(connection_timeout=0.3) as listener:
        idle = socket.create_connection(("127.0.0.1", listener.port))
        idle.settimeout(5)
        waiter = threading.Thread(target=listener.wait, kwargs={"timeout": 2})
        waiter.start()
        assert idle.recv(100) == b""  # the listener hung up on it
        waiter.join()
        idle.close()
