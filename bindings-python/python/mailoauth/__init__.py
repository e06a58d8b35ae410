"""mailoauth: OAuth 2.0 for IMAP, POP and SMTP — Microsoft Exchange Online first.

The protocol logic lives in the Rust core (the native module :mod:`mailoauth._native`); this
package re-exports it and adds I/O drivers written with the standard library only:

- :func:`send` sends any :class:`HttpRequest` the core builds (``urllib.request``).

Every failure is a :class:`mailoauth.Error` with a stable ``.code``; see the subclasses.

>>> import mailoauth
>>> mailoauth.xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")[:16]
'dXNlcj1zb21ldXNl'
"""

from mailoauth._native import (
    AuthenticationError as AuthenticationError,
    Cloud as Cloud,
    DecodedResponse as DecodedResponse,
    Endpoints as Endpoints,
    Error as Error,
    HttpRequest as HttpRequest,
    HttpResponse as HttpResponse,
    InvalidInputError as InvalidInputError,
    NetworkError as NetworkError,
    ProtocolError as ProtocolError,
    SaslError as SaslError,
    SecurityError as SecurityError,
    ServerError as ServerError,
    Tenant as Tenant,
    WellKnownApp as WellKnownApp,
    __version__ as __version__,
    admin_consent_scope as admin_consent_scope,
    admin_consent_url as admin_consent_url,
    decode_error_challenge as decode_error_challenge,
    decode_initial_response as decode_initial_response,
    error_challenge_answer as error_challenge_answer,
    error_from as error_from,
    lookup_app as lookup_app,
    oauthbearer as oauthbearer,
    parse_tenant as parse_tenant,
    replacement_for as replacement_for,
    sasl_initial_response as sasl_initial_response,
    validate_client_id as validate_client_id,
    well_known_apps as well_known_apps,
    xoauth2 as xoauth2,
)
from mailoauth.http import send as send
