"""Sends the core's :class:`~mailoauth.HttpRequest` values with :mod:`urllib.request`.

HTTP error statuses come back as :class:`~mailoauth.HttpResponse` values (the core's ``parse_*``
functions read the server's OAuth error from them); only a failure to talk to the server at all
raises, as :class:`mailoauth.NetworkError` (code ``network_error``).
"""

from __future__ import annotations

import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from typing import Optional

from mailoauth._native import HttpRequest, HttpResponse, NetworkError, error_from

__all__ = ["send", "DEFAULT_TIMEOUT"]

#: Seconds to wait for a connection and for each read.
DEFAULT_TIMEOUT = 30.0

#: Bodies larger than this are refused (a token response is a few KiB).
MAX_BODY = 4 * 1024 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Token endpoints never redirect; a redirect is handed back as a response."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def _network_error(request: HttpRequest, reason: object) -> NetworkError:
    host = urllib.parse.urlsplit(request.url).netloc
    exc = error_from("network_error", f"cannot reach {host}: {reason}", transient=True)
    assert isinstance(exc, NetworkError)
    return exc


def send(
    request: HttpRequest,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    ssl_context: Optional[ssl.SSLContext] = None,
) -> HttpResponse:
    """Sends ``request`` and returns the response, whatever its status.

    Raises :class:`mailoauth.NetworkError` when the server cannot be reached, the TLS handshake
    fails, the connection drops, or ``timeout`` seconds pass without progress.
    """
    req = urllib.request.Request(
        request.url,
        data=request.body if request.method == "POST" else None,
        method=request.method,
    )
    for name, value in request.headers:
        req.add_header(name, value)
    if request.header("user-agent") is None:
        req.add_header("User-Agent", "mailoauth-python")
    context = ssl_context if ssl_context is not None else ssl.create_default_context()
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context), _NoRedirect()
    )
    try:
        try:
            resp = opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as e:  # a status >= 400, or an unfollowed redirect
            resp = e
        with resp:
            body = resp.read(MAX_BODY + 1)
            status = resp.status if resp.status is not None else resp.getcode()
            headers = list(resp.headers.items()) if resp.headers is not None else []
    except urllib.error.URLError as e:
        raise _network_error(request, e.reason) from None
    except (OSError, socket.timeout, ssl.SSLError, ValueError) as e:
        raise _network_error(request, e) from None
    if len(body) > MAX_BODY:
        raise _network_error(request, f"response body larger than {MAX_BODY} bytes")
    return HttpResponse(int(status), body, headers=headers)
