"""Token acquisition for every flow, with the standard library doing the I/O.

- :func:`client_credentials` — app-only (daemons, archivers): a client secret or a certificate
  (the core signs the client assertion; ``secrets`` supplies the jti and the PSS salt).
- :func:`device_code` — prints the code and a live countdown on a terminal; Ctrl-C cancels.
- :func:`interactive` — authorization code + PKCE: a loopback redirect listener on 127.0.0.1,
  the system browser, and a paste-the-URL fallback for SSH sessions.
- :func:`refresh` — redeems a refresh token, keeping a rotated one.

Token requests that fail transiently (HTTP 429 / 503, ``temporarily_unavailable``, a dropped
connection) are tried again, up to :data:`MAX_ATTEMPTS` in all, waiting the server's
``Retry-After`` when it sent one.
- :func:`get_token` — the cache-aware front door: a cached token while it is fresh, else a
  refresh (the rotated refresh token is saved at once; a transient failure never deletes it),
  else the flow you asked for. The cache is any token store (:mod:`mailoauth.stores`: a file,
  SQLite or Redis, by object or URL): refreshes and app-only acquisitions run single-flight per
  key, and a 429/503 sets a back-off every worker sharing the store honours.

The core builds every request and parses every response; this module only moves bytes, waits
and talks to the person at the terminal. Randomness (PKCE, state, jti) comes from :mod:`secrets`.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
import webbrowser
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence, TextIO, Union

from mailoauth._native import (
    AuthorizeRequest,
    Cloud,
    DeviceAuthorization,
    DevicePoller,
    Endpoints,
    Error,
    HttpRequest,
    HttpResponse,
    NetworkError,
    Pkce,
    Tenant,
    TokenSet,
    build_auth_code_request,
    build_client_credentials_request,
    build_device_authorization_request,
    build_metadata_request,
    build_refresh_request,
    check_device_flow,
    client_assertion_from_pem,
    google_endpoints,
    parse_provider_metadata,
    ProviderMetadata,
    well_known_urls,
    error_from,
    jti_from_random,
    parse_authorize_redirect,
    parse_device_authorization_response,
    parse_token_response,
)
from mailoauth.cache import DEFAULT_LIFETIME, cache_key, is_fresh
from mailoauth.http import send as http_send
from mailoauth.loopback import LoopbackListener
from mailoauth.stores import TokenStore, open_store
from mailoauth.stores.base import Lease, backoff_key

__all__ = [
    "App",
    "client_credentials",
    "device_code",
    "interactive",
    "refresh",
    "get_token",
    "refresh_cached",
    "app_only_cached",
    "is_remote_session",
    "discover",
]

Sender = Callable[[HttpRequest], HttpResponse]

#: Called with the seconds a token request will wait after a 429 or 503 (the server's
#: ``Retry-After``, else the default wait) before that wait: the stores' shared back-off.
ThrottleHook = Callable[[float], None]

#: Refresh (or re-acquire) a cached access token this many seconds before it expires (at most a
#: quarter of its lifetime: :func:`mailoauth.cache.is_fresh`).
REFRESH_MARGIN = 300


def _now() -> int:
    return int(time.time())


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def bounded(tokens: TokenSet, now: Optional[int] = None) -> TokenSet:
    """``tokens`` with an expiry: a server that sent no ``expires_in`` gets
    :data:`mailoauth.cache.DEFAULT_LIFETIME` (an hour) from now, not for ever."""
    if tokens.expires_at is not None:
        return tokens
    return TokenSet(
        tokens.access_token, token_type=tokens.token_type, expires_at=(now if now is not None else _now()) + DEFAULT_LIFETIME,
        refresh_token=tokens.refresh_token, scope=tokens.scope, id_token=tokens.id_token, ext_expires_at=tokens.ext_expires_at,
    )


@dataclass
class App:
    """Who asks for tokens, and where.

    ``endpoints`` overrides the Microsoft endpoints derived from ``tenant`` and ``cloud`` (any
    OAuth 2.0 server; ``http`` only on loopback). Give ``client_secret`` or
    ``certificate_pem`` + ``private_key_pem`` for a confidential client.

    ``provider`` (``"microsoft"``, the default, or ``"google"``) picks the preset endpoints;
    ``client_auth`` names how the client authenticates at the token endpoint
    (``client_secret_post``, ``client_secret_basic``, ``private_key_jwt``, ``none``; by default a
    secret goes in the form body and a certificate signs a ``private_key_jwt`` assertion). For
    any other server, :func:`discover` its issuer and pass ``endpoints=metadata.endpoints()``.

    A certificate's assertion is signed with ``assertion_alg`` (``PS256``, what Entra ID wants, or
    ``RS256``) and names the certificate by its SHA-256 thumbprint ``x5t#S256``;
    ``include_x5t=True`` adds the SHA-1 thumbprint ``x5t`` for servers that read only that one
    (AD FS: use it with ``assertion_alg="RS256"``).

    ``tenant`` defaults to what the cloud implies (``consumers`` for ``cloud="consumers"``), else
    ``organizations``, which suits delegated sign-ins only: app-only (client credentials) needs the
    tenant id or a verified domain, and the core refuses the keywords for it.
    """

    client_id: str
    tenant: str = ""
    cloud: Union[Cloud, str] = "global"

    def __post_init__(self) -> None:
        if not self.tenant:
            self.tenant = self.cloud_object().implied_tenant or "organizations"
    endpoints: Optional[Endpoints] = None
    client_secret: Optional[str] = field(default=None, repr=False)
    certificate_pem: Optional[str] = field(default=None, repr=False)
    private_key_pem: Optional[str] = field(default=None, repr=False)
    assertion_alg: str = "PS256"
    include_x5t: bool = False
    provider: Optional[str] = None
    client_auth: Optional[str] = None

    def resolved_endpoints(self) -> Endpoints:
        if self.endpoints is not None:
            return self.endpoints
        if self.provider is not None and self.provider.lower() in ("google", "gmail"):
            return google_endpoints()
        return Endpoints.microsoft(Tenant(self.tenant), self.cloud)

    def cloud_object(self) -> Cloud:
        return self.cloud if isinstance(self.cloud, Cloud) else Cloud(self.cloud)

    def credential(self, token_url: str) -> dict[str, Optional[str]]:
        """The client credential for one request: a secret, a fresh assertion, or nothing."""
        if self.certificate_pem is not None:
            assertion = client_assertion_from_pem(
                client_id=self.client_id,
                token_url=token_url,
                certificate_pem=self.certificate_pem,
                private_key_pem=self.private_key_pem or self.certificate_pem,
                jti=jti_from_random(secrets.token_bytes(16)),
                now=_now(),
                random=secrets.token_bytes(32),
                alg=self.assertion_alg,
                include_x5t=self.include_x5t,
            )
            return {"client_secret": None, "client_assertion": assertion, "client_auth": self.client_auth}
        return {"client_secret": self.client_secret, "client_assertion": None, "client_auth": self.client_auth}


#: A token request that fails transiently (the core marks HTTP 429/5xx, ``temporarily_unavailable``
#: and network errors as ``transient``) is tried this many times in all.
MAX_ATTEMPTS = 3

#: The longest ``Retry-After`` (seconds) waited for; a longer one is raised at once (the caller
#: decides whether to wait that long).
MAX_RETRY_WAIT = 60


def _request_tokens(make_request: Union[HttpRequest, Callable[[], HttpRequest]], send: Sender,
                    on_throttle: Optional[ThrottleHook] = None) -> TokenSet:
    """Sends a token request and parses the answer, trying again after a transient failure.

    The wait before the next try is the server's ``Retry-After`` when it sent one (up to
    :data:`MAX_RETRY_WAIT`), else 1 s, then 2 s. ``make_request`` is called for every try, so a
    client assertion is signed afresh (new ``jti``). The last error is raised unchanged; a
    refresh token is never dropped over it (see :func:`get_token`). ``on_throttle`` hears of
    every 429/503 with the wait it asks for (``e.retry_after`` as the core parsed it: this is the
    one place a store's shared back-off is fed from).
    """
    attempt = 1
    while True:
        request = make_request() if callable(make_request) else make_request
        try:
            return parse_token_response(send(request), _now())
        except Error as e:
            wait = e.retry_after if e.retry_after is not None else 2 ** (attempt - 1)
            if on_throttle is not None and e.status in (429, 503):
                on_throttle(float(wait))
            if not e.transient or attempt >= MAX_ATTEMPTS:
                raise
            if wait > MAX_RETRY_WAIT:
                raise
            _sleep(float(wait))
            attempt += 1


# ------------------------------------------------------------------------------------------------
# Client credentials


def client_credentials(app: App, *, scope: Optional[str] = None, send: Sender = http_send,
                       on_throttle: Optional[ThrottleHook] = None) -> TokenSet:
    """An app-only token (scope defaults to the cloud's ``.default`` app-only scope)."""
    endpoints = app.resolved_endpoints()
    if app.client_secret is None and app.certificate_pem is None:
        raise error_from("invalid_input", "client credentials need a client secret or a certificate and its private key")
    wanted = scope or app.cloud_object().app_only_scope()

    def make_request() -> HttpRequest:
        return build_client_credentials_request(
            token_url=endpoints.token_url,
            client_id=app.client_id,
            scope=wanted,
            **app.credential(endpoints.token_url),
        )

    return _request_tokens(make_request, send, on_throttle)


# ------------------------------------------------------------------------------------------------
# Refresh


def refresh(app: App, tokens: TokenSet, *, scopes: Sequence[str] = (), send: Sender = http_send,
            on_throttle: Optional[ThrottleHook] = None) -> TokenSet:
    """Redeems ``tokens.refresh_token``; returns the new set merged over the old one (a rotated
    refresh token replaces the old one; the old one is kept when none comes back)."""
    if tokens.refresh_token is None:
        raise error_from("invalid_input", "these tokens carry no refresh token: sign in again")
    endpoints = app.resolved_endpoints()
    refresh_token = tokens.refresh_token

    def make_request() -> HttpRequest:
        return build_refresh_request(
            token_url=endpoints.token_url,
            client_id=app.client_id,
            refresh_token=refresh_token,
            scopes=list(scopes),
            **app.credential(endpoints.token_url),
        )

    return tokens.merged_with(_request_tokens(make_request, send, on_throttle))


# ------------------------------------------------------------------------------------------------
# Device code


def _fmt_left(seconds: int) -> str:
    seconds = max(0, seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def device_code(
    app: App,
    *,
    scopes: Sequence[str],
    out: Optional[TextIO] = None,
    on_code: Optional[Callable[[DeviceAuthorization], None]] = None,
    send: Sender = http_send,
) -> TokenSet:
    """The device-code flow: shows the code (``on_code``, or a message on ``out``), then polls.

    On a terminal it keeps a live countdown on one line. Ctrl-C (KeyboardInterrupt) stops the
    polling at once and is re-raised after the line is cleaned up. A declined or expired sign-in
    raises :class:`mailoauth.ServerError` (``authorization_declined`` / ``expired_token``).
    """
    out = out if out is not None else sys.stderr
    endpoints = app.resolved_endpoints()
    if not endpoints.device_authorization_url:
        raise error_from("invalid_input", "these endpoints have no device authorization URL")
    if app.provider is not None:
        check_device_flow(app.provider, list(scopes))
    auth = parse_device_authorization_response(
        send(build_device_authorization_request(
            device_authorization_url=endpoints.device_authorization_url, client_id=app.client_id, scopes=list(scopes),
            **app.credential(endpoints.token_url),
        )),
        _now(),
    )
    if on_code is not None:
        on_code(auth)
    else:
        print(auth.message or f"To sign in, open {auth.verification_uri} and enter the code {auth.user_code}", file=out)
        print(f"  code: {auth.user_code}   (expires in {_fmt_left(auth.expires_at - _now())})", file=out, flush=True)
    poller = DevicePoller(
        token_url=endpoints.token_url, client_id=app.client_id, authorization=auth, now=_now(),
        **app.credential(endpoints.token_url),
    )
    live = bool(getattr(out, "isatty", lambda: False)())
    try:
        while True:
            now = _now()
            if app.certificate_pem is not None and now >= poller.next_poll_at:
                # Every poll carries a freshly signed assertion (its own jti, a short life).
                poller.set_client_auth(**app.credential(endpoints.token_url))
            action = poller.next_action(now)
            if action.kind == "poll_at":
                at = action.at if action.at is not None else now + 1
                while _now() < at:
                    if live:
                        print(f"\r  waiting for sign-in... {_fmt_left(poller.expires_at - _now())} left ", end="", file=out, flush=True)
                    _sleep(min(1.0, max(0.05, at - _now())))
            elif action.kind == "send":
                assert action.request is not None
                try:
                    response = send(action.request)
                except NetworkError:
                    poller.network_failed(_now())
                    continue
                poller.receive_response(response, _now())
            else:
                outcome = action.outcome
                assert outcome is not None
                if live:
                    print("\r" + " " * 44 + "\r", end="", file=out, flush=True)
                if outcome.kind == "token" and outcome.token is not None:
                    return outcome.token
                if outcome.kind == "declined":
                    raise error_from("authorization_declined", "the user declined the sign-in")
                if outcome.kind == "expired":
                    raise error_from("expired_token", "the device code expired before the sign-in finished: start again")
                if isinstance(outcome.error, Error):
                    raise outcome.error
                raise error_from("malformed", "the device flow ended without a result")
    except KeyboardInterrupt:
        if live:
            print("\r" + " " * 44 + "\r", end="", file=out, flush=True)
        raise


# ------------------------------------------------------------------------------------------------
# Discovery


def discover(issuer: str, *, send: Sender = http_send) -> ProviderMetadata:
    """The checked metadata of an authorization server (RFC 8414 / OpenID Connect Discovery):
    fetches the issuer's well-known addresses in order (OpenID Connect first) and returns the
    first document found; its issuer must be ``issuer``. A 404 (or another HTTP error without an
    OAuth error body) moves on to the next address; the last failure is raised."""
    last: Optional[Error] = None
    for url in well_known_urls(issuer):
        try:
            return parse_provider_metadata(send(build_metadata_request(url)), issuer, _now())
        except Error as e:
            if e.code not in ("http_error", "malformed"):
                raise
            last = e
    assert last is not None
    raise last


# ------------------------------------------------------------------------------------------------
# Interactive (authorization code + PKCE)


def is_remote_session() -> bool:
    """Whether a browser on this machine is unlikely to be seen (SSH, no display)."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return True
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return True
    return False


def _wait_for_redirect(listener: LoopbackListener, timeout: float, paste: bool, read_line: Callable[[], str]) -> str:
    """The redirect URL: from the listener, or pasted by the user (whichever comes first)."""
    deadline = time.monotonic() + timeout
    use_select = paste and hasattr(sys.stdin, "fileno") and os.name == "posix" and read_line is input
    if paste and not use_select:
        return read_line()
    import select

    while time.monotonic() < deadline:
        got = listener.wait(timeout=0.2)
        if got is not None:
            return got
        if use_select:
            try:
                ready, _, _ = select.select([sys.stdin], [], [], 0)
            except (OSError, ValueError):
                ready = []
            if ready:
                line = sys.stdin.readline()
                if line.strip():
                    return line.strip()
    raise error_from("expired_token", f"no sign-in redirect arrived within {int(timeout)} seconds")


def interactive(
    app: App,
    *,
    protocols: Sequence[str] = ("imap",),
    scopes: Optional[Sequence[str]] = None,
    login_hint: Optional[str] = None,
    prompt: Optional[str] = None,
    open_browser: bool = True,
    port: int = 0,
    redirect_host: str = "127.0.0.1",
    timeout: float = 300.0,
    out: Optional[TextIO] = None,
    read_line: Callable[[], str] = input,
    send: Sender = http_send,
    redirect_uri: Optional[str] = None,
) -> TokenSet:
    """Sign-in in a browser with PKCE. The redirect URI is ``http://<redirect_host>:<port>/``; the
    listener binds 127.0.0.1. Register the same host (``http://localhost`` or ``http://127.0.0.1``)
    under "Mobile and desktop applications" in Entra: the port of a loopback URI is not compared.

    In an SSH session (or with ``open_browser=False``) the URL is printed instead; the user opens
    it anywhere and pastes back the address the browser ends up on.

    ``redirect_uri`` (any URI registered on the app, e.g. ``https://localhost``): no listener;
    the URL is printed and the final address is read with ``read_line`` (paste-back). Use it
    where the loopback redirect cannot work (SSH, an app registered only with
    ``https://localhost``, Conditional Access that blocks the device code).
    """
    out = out if out is not None else sys.stderr
    endpoints = app.resolved_endpoints()
    pkce = Pkce.from_random(secrets.token_bytes(32))
    state = secrets.token_urlsafe(24)

    def authorize_request(uri: str) -> AuthorizeRequest:
        if app.endpoints is None and scopes is None:
            return AuthorizeRequest.microsoft(
                tenant=app.tenant, client_id=app.client_id, redirect_uri=uri,
                protocols=list(protocols), state=state, pkce=pkce, cloud=app.cloud,
                prompt=prompt, login_hint=login_hint,
            )
        return AuthorizeRequest(
            authorize_url=endpoints.authorize_url, client_id=app.client_id, redirect_uri=uri,
            scopes=list(scopes) if scopes is not None else app.cloud_object().delegated_scopes(list(protocols)),
            state=state, code_challenge=pkce.challenge, prompt=prompt, login_hint=login_hint,
        )

    if redirect_uri is not None:
        # Any registered redirect URI (https://localhost as Thunderbird's registration has, or a
        # loopback URI on another machine): nothing listens; the user pastes the final address.
        request = authorize_request(redirect_uri)
        print("Open this address in a browser (on any machine) and sign in:", file=out)
        print(f"  {request.url()}", file=out)
        print(f"The browser then goes to {redirect_uri}?code=... (the page may fail to load: that is expected).", file=out)
        print("Copy the whole address from the address bar and paste it here, then press Enter:", file=out, flush=True)
        redirect = read_line()
        if not redirect or not redirect.strip():
            raise error_from("invalid_input", "no address was pasted (end of input): run the sign-in again and paste the address the browser ended on")
    else:
        with LoopbackListener(port=port, uri_host=redirect_host) as listener:
            request = authorize_request(listener.redirect_uri)
            url = request.url()
            remote = not open_browser or is_remote_session()
            opened = False if remote else bool(webbrowser.open(url))
            if opened:
                print("A browser window opened for the sign-in. If it did not, open this address:", file=out)
                print(f"  {url}", file=out, flush=True)
            else:
                print("Open this address in a browser (on any machine) and sign in:", file=out)
                print(f"  {url}", file=out)
                print("The browser then goes to an address starting with", listener.redirect_uri, file=out)
                print("If that page does not load, copy the whole address from the address bar and paste it here:", file=out, flush=True)
            redirect = _wait_for_redirect(listener, timeout, paste=not opened, read_line=read_line)
    code = parse_authorize_redirect(redirect.strip(), expected_state=state, expected_issuer=endpoints.issuer)

    def make_request() -> HttpRequest:
        return build_auth_code_request(
            token_url=endpoints.token_url,
            client_id=app.client_id,
            code=code.code,
            redirect_uri=request.redirect_uri,
            code_verifier=pkce.verifier,
            scopes=request.scopes,
            **app.credential(endpoints.token_url),
        )

    return _request_tokens(make_request, send)


# ------------------------------------------------------------------------------------------------
# The cache-aware front door


def lifetime_of(tokens: TokenSet) -> Optional[int]:
    """Seconds the access token lives from now (the cache's ``lifetime`` metadata)."""
    return None if tokens.expires_at is None else max(0, tokens.expires_at - _now())


def _decode_entry(entry: Optional[dict[str, object]]) -> tuple[Optional[TokenSet], bool]:
    """The token set of a store entry (or ``None``) and whether it is fresh."""
    if entry is None or not isinstance(entry.get("tokens"), dict):
        return None, False
    import json

    return TokenSet.from_json(json.dumps(entry["tokens"])), is_fresh(entry, _now(), REFRESH_MARGIN)


#: The names `get_token` takes for the client credentials flow (acquired single-flight with a store).
APP_ONLY_FLOWS = ("client_credentials", "client-credentials", "app")

#: While the token endpoint is throttling, a cached access token with at least this many seconds
#: left is used instead of raising (it was only due for an early refresh).
THROTTLED_MIN_LEFT = 60


def _single_flight(
    app: App,
    store: TokenStore,
    key: str,
    produce: Callable[[Optional[TokenSet], ThrottleHook], Optional[TokenSet]],
    *,
    scopes: Sequence[str],
    force: bool,
    metadata: dict[str, object],
    lock_timeout: Optional[float],
) -> Optional[TokenSet]:
    """The store's single-flight protocol (:meth:`TokenStore.get_or_refresh`) for one token:
    the cached set while fresh, else ``produce(cached, on_throttle)``'s, made by one worker while
    the others wait and read it; ``None`` when ``produce`` has nothing to work with.

    ``on_throttle`` records a 429/503's wait as the shared back-off of the app's token endpoint
    and stretches the lease over it, so the holder keeps the key while it waits. While throttled
    (the shared back-off, or a 429/503 now), a cached access token that has not expired yet
    (:data:`THROTTLED_MIN_LEFT` seconds or more left) is returned instead of the error, unless
    ``force``."""
    token_url = app.resolved_endpoints().token_url
    scope = backoff_key(app.client_id, token_url)
    seen: list[Optional[dict[str, object]]] = [None]

    def usable(first: Optional[dict[str, object]], now: Optional[dict[str, object]]) -> bool:
        seen[0] = now
        tokens, fresh = _decode_entry(now)
        if tokens is None or not fresh:
            return False
        if not force:
            return True
        # Forced: only a token another worker got while we waited for the lease will do.
        before, _ = _decode_entry(first)
        return first is not None and before is not None and tokens.access_token != before.access_token

    def run(entry: Optional[dict[str, object]], lease: Lease) -> Optional[TokenSet]:
        current, _ = _decode_entry(entry)

        def on_throttle(wait: float) -> None:
            store.set_backoff(scope, time.time() + wait)
            if lease.expires is not None:
                lease.extend(wait + lease.seconds)

        got = produce(current, on_throttle)
        if got is None:
            return None
        tokens = bounded(got)
        meta = {k: v for k, v in metadata.items() if v is not None}
        store.put(key, tokens.to_json(), lease=lease, client_id=app.client_id, token_url=token_url,
                  scopes=list(scopes), lifetime=lifetime_of(tokens), **meta)
        return tokens

    try:
        got = store.get_or_refresh(key, run, usable=usable, backoff_scope=scope,
                                   timeout=lock_timeout if lock_timeout is not None else 120.0,
                                   max_backoff_wait=float(MAX_RETRY_WAIT))
    except Error as e:
        throttled = e.transient and (e.status in (429, 503) or e.code == "temporarily_unavailable")
        still, _ = _decode_entry(seen[0])
        if (not throttled or force or still is None or still.expires_at is None
                or still.expires_at - _now() < THROTTLED_MIN_LEFT):
            raise
        return still  # throttled: the token in hand still works for a while
    if got is None or isinstance(got, TokenSet):
        return got
    return _decode_entry(got)[0]


def refresh_cached(
    app: App,
    cache: Union[TokenStore, str],
    key: str,
    *,
    scopes: Sequence[str],
    force: bool = False,
    send: Sender = http_send,
    metadata: Optional[dict[str, object]] = None,
    lock_timeout: Optional[float] = None,
) -> Optional[TokenSet]:
    """The cached token set of ``key`` while it has more than :data:`REFRESH_MARGIN` seconds
    left (``force`` skips that), else a refreshed one, or ``None`` when the cache has no
    usable refresh token for ``key`` (or the server refused it: then the entry is gone).

    The refresh runs under the store's lease on ``key``, with the entry read again after taking
    it: of several processes (or machines, with Redis) that find the token expiring at once, one
    refreshes and the others use its result. A transient failure raises and keeps the entry. A
    dead grant (``requires_new_sign_in``) removes the entry only if it still holds the refused
    refresh token (another process may have saved a new one), then returns ``None``."""
    store = open_store(cache)

    def produce(current: Optional[TokenSet], on_throttle: ThrottleHook) -> Optional[TokenSet]:
        if current is None or current.refresh_token is None:
            return None
        refresh_token = current.refresh_token
        try:
            return refresh(app, current, scopes=scopes, send=send, on_throttle=on_throttle)
        except Error as e:
            if not e.requires_new_sign_in:
                raise  # transient or configuration: keep the refresh token
            store.delete_if(key, refresh_token)
            raise

    return _single_flight(app, store, key, produce, scopes=scopes, force=force, metadata=metadata or {},
                          lock_timeout=lock_timeout)


def app_only_cached(
    app: App,
    cache: Union[TokenStore, str],
    key: str,
    *,
    scopes: Sequence[str],
    force: bool = False,
    send: Sender = http_send,
    metadata: Optional[dict[str, object]] = None,
    lock_timeout: Optional[float] = None,
) -> TokenSet:
    """The cached app-only token of ``key`` while it is fresh, else a new one from the client
    credentials flow, asked for by one worker at a time (the store's lease): of many workers that
    need a token at once, one asks and the others read its result."""
    store = open_store(cache)
    scope = " ".join(scopes) if scopes else None

    def acquire(current: Optional[TokenSet], on_throttle: ThrottleHook) -> TokenSet:
        return client_credentials(app, scope=scope, send=send, on_throttle=on_throttle)

    got = _single_flight(app, store, key, acquire, scopes=scopes, force=force, metadata=metadata or {},
                         lock_timeout=lock_timeout)
    if got is None:  # acquire never returns None
        raise error_from("malformed", "the client credentials flow gave no token")
    return got


def get_token(
    app: App,
    *,
    flow: str,
    scopes: Sequence[str],
    cache: Union[TokenStore, str, None] = None,
    user: Optional[str] = None,
    force: bool = False,
    send: Sender = http_send,
    **flow_options: object,
) -> TokenSet:
    """A usable token for ``flow`` (``client_credentials``, ``device_code``, ``interactive`` or
    ``refresh``): the cached one while it has more than 5 minutes left, else a refresh with the
    cached refresh token (under the store's lease: see :func:`refresh_cached`), else the flow
    itself. Every new token set is saved at once (with a rotated refresh token; one without
    ``expires_in`` gets an hour). A refresh that fails transiently raises and leaves the cache as
    it was; only a dead grant (``requires_new_sign_in``) removes the entry, and only if it still
    holds the refused refresh token.

    ``cache`` is a :class:`~mailoauth.stores.TokenStore` or a store URL (``file:PATH``,
    ``sqlite:PATH``, ``redis://HOST:PORT/DB``; :func:`mailoauth.stores.open_store`). App-only
    tokens (``client_credentials``) are acquired single-flight too: of many workers that need one
    at once, one asks the token endpoint. While a shared back-off (a 429/503's ``Retry-After``)
    lasts, workers wait up to :data:`MAX_RETRY_WAIT` seconds, else get a
    :class:`mailoauth.ServerError` (``temporarily_unavailable``, ``retry_after`` set) without
    asking the server.
    """
    endpoints = app.resolved_endpoints()
    key = cache_key(client_id=app.client_id, token_url=endpoints.token_url, scopes=scopes, user=user)
    store = open_store(cache) if cache is not None else None

    def save(tokens: TokenSet) -> TokenSet:
        tokens = bounded(tokens)
        if store is not None:
            store.put(key, tokens.to_json(), client_id=app.client_id, token_url=endpoints.token_url,
                      scopes=list(scopes), user=user, flow=flow, lifetime=lifetime_of(tokens))
        return tokens

    if store is not None and flow in APP_ONLY_FLOWS:
        return app_only_cached(app, store, key, scopes=scopes, force=force, send=send,
                               metadata={"user": user, "flow": flow})
    if store is not None:
        try:
            got = refresh_cached(app, store, key, scopes=scopes, force=force, send=send,
                                 metadata={"user": user, "flow": flow})
        except Error as e:
            if not e.requires_new_sign_in or flow == "refresh":
                raise
            got = None  # the grant is dead (its entry removed): sign in again below
        if got is not None:
            return got
    if flow in APP_ONLY_FLOWS:
        scope = " ".join(scopes) if scopes else None
        return save(client_credentials(app, scope=scope, send=send))
    if flow in ("device_code", "device"):
        return save(device_code(app, scopes=scopes, send=send, **flow_options))  # type: ignore[arg-type]
    if flow in ("interactive", "auth_code", "browser"):
        return save(interactive(app, scopes=scopes, login_hint=user, send=send, **flow_options))  # type: ignore[arg-type]
    if flow == "refresh":
        raise error_from("invalid_input", "no cached refresh token for this app, endpoint, scopes and user: sign in first")
    raise error_from("invalid_input", f"unknown flow {flow!r} (client_credentials, device_code, interactive, refresh)")
