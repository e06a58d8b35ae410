"""mailoauth: OAuth 2.0 for IMAP, POP and SMTP — Microsoft Exchange Online first.

The protocol logic lives in the Rust core (the native module :mod:`mailoauth._native`, whose
names are all re-exported here); this package adds I/O drivers written with the standard
library only:

- :func:`send` sends any :class:`HttpRequest` the core builds (:mod:`urllib.request`);
- :func:`imap_login`, :func:`pop_login`, :func:`smtp_login` authenticate an existing
  :mod:`imaplib` / :mod:`poplib` / :mod:`smtplib` connection (or a raw socket) with a token;
  :func:`connect_and_login` retries once with a fresh token when that can help, and
  :class:`MailSession` keeps a long-running connection logged in across token expiry;
- :func:`client_credentials`, :func:`device_code`, :func:`interactive`, :func:`refresh` and
  :func:`get_token` acquire tokens (an :class:`App` says who asks and where);
- :class:`TokenCache` keeps token sets in a 0600 JSON file, written atomically;
  :func:`open_store` opens any :class:`TokenStore` by URL (``file:``, ``sqlite:``, ``redis://``:
  token sets shared by a fleet of workers, refreshed once per key, with a shared back-off).

Every failure is a :class:`mailoauth.Error` with a stable ``.code``; see its subclasses.

>>> import mailoauth
>>> mailoauth.xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")[:16]
'dXNlcj1zb21ldXNl'
"""

from mailoauth._native import *  # noqa: F403  (the whole native surface, listed in _native.__all__)

# The drivers below import much of the standard library (urllib, ssl, json, dataclasses, ...):
# they load on first use, so `import mailoauth` costs little more than the native module
# (`make bench` measures it). Type checkers see ordinary imports. (No `__all__`: as before,
# `from mailoauth import *` gives the native names; the drivers are imported by name.)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from mailoauth.cache import TokenCache as TokenCache
    from mailoauth.flows import App as App
    from mailoauth.flows import client_credentials as client_credentials
    from mailoauth.flows import device_code as device_code
    from mailoauth.flows import get_token as get_token
    from mailoauth.flows import interactive as interactive
    from mailoauth.flows import refresh as refresh
    from mailoauth.http import send as send
    from mailoauth.mail import MailSession as MailSession
    from mailoauth.mail import connect_and_login as connect_and_login
    from mailoauth.mail import imap_login as imap_login
    from mailoauth.mail import pop_login as pop_login
    from mailoauth.mail import smtp_login as smtp_login
    from mailoauth.stores import TokenStore as TokenStore
    from mailoauth.stores import open_store as open_store

_LAZY = {
    "TokenCache": "mailoauth.cache",
    "App": "mailoauth.flows",
    "client_credentials": "mailoauth.flows",
    "device_code": "mailoauth.flows",
    "get_token": "mailoauth.flows",
    "interactive": "mailoauth.flows",
    "refresh": "mailoauth.flows",
    "send": "mailoauth.http",
    "MailSession": "mailoauth.mail",
    "connect_and_login": "mailoauth.mail",
    "imap_login": "mailoauth.mail",
    "pop_login": "mailoauth.mail",
    "smtp_login": "mailoauth.mail",
    "TokenStore": "mailoauth.stores",
    "open_store": "mailoauth.stores",
}


def __getattr__(name: str) -> object:
    """Loads a driver name on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mailoauth' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
