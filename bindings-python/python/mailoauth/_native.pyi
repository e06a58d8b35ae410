"""Type stubs of the native module ``mailoauth._native`` (checked by ``mypy.stubtest``)."""

from typing import Any, Final, Literal, Optional, Sequence, Union, final

__all__ = [
    "__version__",
    "core_version",
    "Error",
    "InvalidInputError",
    "ProtocolError",
    "SecurityError",
    "ServerError",
    "AuthenticationError",
    "NetworkError",
    "error_from",
    "Cloud",
    "Tenant",
    "Endpoints",
    "WellKnownApp",
    "parse_tenant",
    "validate_client_id",
    "well_known_apps",
    "lookup_app",
    "replacement_for",
    "HttpRequest",
    "HttpResponse",
    "DecodedResponse",
    "SaslError",
    "xoauth2",
    "oauthbearer",
    "sasl_initial_response",
    "error_challenge_answer",
    "decode_initial_response",
    "decode_error_challenge",
    "admin_consent_url",
    "admin_consent_scope",
]

__version__: Final[str]
core_version: Final[str]

_ProtocolName = Literal["imap", "pop", "pop3", "smtp", "submission"]
_MechanismName = Literal["XOAUTH2", "OAUTHBEARER", "xoauth2", "oauthbearer"]
_GrantName = Literal["delegated", "app"]
_CloudName = Literal["global", "usgov", "usgov-dod", "china"]

# ---------------------------------------------------------------------------------------------
# Errors

class Error(Exception):
    """Base class of every mailoauth error; ``.code`` is the stable snake_case code."""

    code: str
    error: Optional[str]
    error_description: Optional[str]
    error_codes: Sequence[int]
    aadsts: Optional[int]
    error_uri: Optional[str]
    trace_id: Optional[str]
    correlation_id: Optional[str]
    timestamp: Optional[str]
    suberror: Optional[str]
    claims: Optional[str]
    status: Optional[int]
    retry_after: Optional[int]
    transient: bool
    diagnosis: Optional[Any]
    server_text: Optional[str]
    sasl_error: Optional[SaslError]
    retry_with_fresh_token: Optional[bool]
    reply_code: Optional[int]
    enhanced_status: Optional[str]

class InvalidInputError(Error):
    """The caller's value cannot be used (invalid_input, invalid_tenant, invalid_client_id)."""

class ProtocolError(Error):
    """The peer broke the protocol (unexpected_reply, malformed, mechanism_not_offered)."""

class SecurityError(Error):
    """A security check failed (state_mismatch, issuer_mismatch): nothing was used."""

class ServerError(Error):
    """The authorization server refused (its OAuth error) or answered with an HTTP error."""

class AuthenticationError(Error):
    """A mail server refused the login; ``.diagnosis`` holds the cause and the fix."""

class NetworkError(Error):
    """A server could not be reached or the connection broke (network_error)."""

def error_from(code: str, message: str, **details: Any) -> Error:
    """Builds (does not raise) the exception of the class ``code`` belongs to."""

# ---------------------------------------------------------------------------------------------
# Clouds, tenants, endpoints, apps

@final
class Cloud:
    def __new__(
        cls,
        id: str = "global",
        *,
        login_base: Optional[str] = None,
        outlook_resource: Optional[str] = None,
        app_resource: Optional[str] = None,
        imap_host: Optional[str] = None,
        pop_host: Optional[str] = None,
        smtp_host: Optional[str] = None,
    ) -> Cloud: ...
    @staticmethod
    def presets() -> list[str]: ...
    @property
    def id(self) -> str: ...
    @property
    def login_base(self) -> str: ...
    @property
    def outlook_resource(self) -> str: ...
    @property
    def app_resource(self) -> str: ...
    @property
    def imap_host(self) -> str: ...
    @property
    def pop_host(self) -> str: ...
    @property
    def smtp_host(self) -> str: ...
    def delegated_scope(self, protocol: str) -> str: ...
    def delegated_scopes(self, protocols: Sequence[str], *, offline_access: bool = True) -> list[str]: ...
    def app_only_scope(self) -> str: ...
    def scopes_for(self, grant: str, protocols: Sequence[str]) -> list[str]: ...
    def mail_server(self, protocol: str) -> tuple[str, int]: ...
    def exchange_audiences(self) -> list[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

_CloudLike = Union[Cloud, str]

@final
class Tenant:
    def __new__(cls, value: str) -> Tenant: ...
    @property
    def kind(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def allows_client_credentials(self) -> bool: ...
    @property
    def is_specific(self) -> bool: ...
    def __eq__(self, value: object, /) -> bool: ...

_TenantLike = Union[Tenant, str]

@final
class Endpoints:
    def __new__(
        cls,
        *,
        token_url: str,
        authorize_url: str = "",
        device_authorization_url: str = "",
        issuer: Optional[str] = None,
    ) -> Endpoints: ...
    @staticmethod
    def microsoft(tenant: _TenantLike, cloud: Optional[_CloudLike] = None) -> Endpoints: ...
    @property
    def authorize_url(self) -> str: ...
    @property
    def token_url(self) -> str: ...
    @property
    def device_authorization_url(self) -> str: ...
    @property
    def issuer(self) -> Optional[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

def parse_tenant(value: str) -> Tenant: ...
def validate_client_id(client_id: str) -> str: ...

@final
class WellKnownApp:
    @property
    def name(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def redirect_uri(self) -> Optional[str]: ...
    @property
    def retired(self) -> bool: ...
    @property
    def replaced_by(self) -> Optional[str]: ...
    @property
    def note(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

def well_known_apps() -> list[WellKnownApp]: ...
def lookup_app(name_or_client_id: str) -> Optional[WellKnownApp]: ...
def replacement_for(client_id: str) -> Optional[WellKnownApp]: ...

# ---------------------------------------------------------------------------------------------
# HTTP values

@final
class HttpRequest:
    def __new__(
        cls,
        method: str,
        url: str,
        *,
        headers: Sequence[tuple[str, str]] = ...,
        body: bytes = ...,
    ) -> HttpRequest: ...
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...
    def header(self, name: str) -> Optional[str]: ...
    def form_fields(self) -> list[tuple[str, str]]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class HttpResponse:
    def __new__(
        cls,
        status: int,
        body: bytes = ...,
        *,
        headers: Sequence[tuple[str, str]] = ...,
    ) -> HttpResponse: ...
    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...
    def header(self, name: str) -> Optional[str]: ...
    def retry_after(self) -> Optional[int]: ...
    def __eq__(self, value: object, /) -> bool: ...

# ---------------------------------------------------------------------------------------------
# SASL

def xoauth2(user: str, token: str) -> str: ...
def oauthbearer(user: str, token: str, *, host: Optional[str] = None, port: Optional[int] = None) -> str: ...
def sasl_initial_response(
    mechanism: str, user: str, token: str, *, host: Optional[str] = None, port: Optional[int] = None
) -> bytes: ...
def error_challenge_answer(mechanism: str) -> str: ...

@final
class DecodedResponse:
    @property
    def mechanism(self) -> str: ...
    @property
    def user(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def host(self) -> Optional[str]: ...
    @property
    def port(self) -> Optional[int]: ...
    def __eq__(self, value: object, /) -> bool: ...

def decode_initial_response(mechanism: str, base64: str) -> DecodedResponse: ...

@final
class SaslError:
    @property
    def status(self) -> Optional[str]: ...
    @property
    def schemes(self) -> Optional[str]: ...
    @property
    def scope(self) -> Optional[str]: ...
    @property
    def openid_configuration(self) -> Optional[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

def decode_error_challenge(base64: str) -> SaslError: ...

# ---------------------------------------------------------------------------------------------
# Admin consent

def admin_consent_url(
    *,
    tenant: str,
    client_id: str,
    cloud: Optional[_CloudLike] = None,
    redirect_uri: Optional[str] = None,
    scope: Optional[str] = None,
    state: Optional[str] = None,
    variant: str = "v2",
) -> str: ...
def admin_consent_scope(protocols: Sequence[str], *, cloud: Optional[_CloudLike] = None) -> str: ...
