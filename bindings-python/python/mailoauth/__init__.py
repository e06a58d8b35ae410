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
- :class:`TokenCache` keeps token sets in a 0600 JSON file, written atomically.

Every failure is a :class:`mailoauth.Error` with a stable ``.code``; see its subclasses.

>>> import mailoauth
>>> mailoauth.xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")[:16]
'dXNlcj1zb21ldXNl'
"""

from mailoauth._native import *  # noqa: F403  (the whole native surface, listed in _native.__all__)
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

