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
    "is_personal_tenant_id",
    "HVE_SMTP_HOST",
    "CONSUMER_SMTP_HOST",
    "CONSUMERS_TENANT_ID",
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
    "Pkce",
    "AuthorizeRequest",
    "AuthorizationCode",
    "AdminConsentResult",
    "s256_challenge",
    "parse_authorize_redirect",
    "parse_authorize_response_params",
    "parse_admin_consent_redirect",
    "TokenSet",
    "DeviceAuthorization",
    "PollResult",
    "DeviceOutcome",
    "DeviceAction",
    "DevicePoller",
    "AssertionInput",
    "build_auth_code_request",
    "build_refresh_request",
    "build_client_credentials_request",
    "build_device_code_token_request",
    "parse_token_response",
    "build_device_authorization_request",
    "parse_device_authorization_response",
    "parse_device_poll_response",
    "jti_from_random",
    "x5t_s256",
    "x5t_sha1",
    "KeyCheck",
    "check_private_key",
    "certificate_der_from_pem",
    "client_assertion_from_pem",
    "build_assertion_signing_input",
    "Diagnosis",
    "Explanation",
    "LintFinding",
    "TokenClaims",
    "TokenLint",
    "RunbookStep",
    "Runbook",
    "explain_aadsts",
    "explain_error_body",
    "explain_error_text",
    "entra_catalogue",
    "lint_access_token",
    "token_claims",
    "guess_grant",
    "decode_jwt_unverified",
    "lint_config",
    "build_runbook",
    "quote_powershell",
    "runbook_variants",
    "send_as_command",
    "Authenticated",
    "Rejection",
    "AuthOutcome",
    "Action",
    "ImapAuth",
    "PopAuth",
    "SmtpAuth",
    "diagnose_reply",
    "reply_catalogue",
    "personal_account_diagnosis",
    "RelayOutput",
    "RelaySession",
    "PreambleAction",
    "UpstreamPreamble",
    "rewrite_capabilities",
    "post_login_capabilities",
    "ProviderMetadata",
    "well_known_urls",
    "build_metadata_request",
    "parse_provider_metadata",
    "client_auth_methods",
    "providers",
    "validate_provider_client_id",
    "check_device_flow",
    "google_endpoints",
    "google_scopes",
    "google_mail_server",
    "check_google_redirect_uri",
    "parse_http_date",
]

__version__: Final[str]
core_version: Final[str]

_ProtocolName = Literal["imap", "pop", "pop3", "smtp", "submission"]
_MechanismName = Literal["XOAUTH2", "OAUTHBEARER", "xoauth2", "oauthbearer"]
_GrantName = Literal["delegated", "app"]
_ClientAuthName = Literal["client_secret_post", "client_secret_basic", "private_key_jwt", "none"]
_CloudName = Literal["global", "usgov", "usgov-dod", "china", "consumers", "hve"]
_Severity = Literal["error", "warning", "note"]
_RunbookVariant = Literal["mailbox-permission", "rbac", "hve"]

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
    diagnosis: Optional[Diagnosis]
    server_text: Optional[str]
    sasl_error: Optional[SaslError]
    retry_with_fresh_token: Optional[bool]
    reply_code: Optional[int]
    enhanced_status: Optional[str]
    explanation: Optional[Explanation]
    requires_new_sign_in: bool

class InvalidInputError(Error):
    """The caller's value cannot be used (invalid_input, invalid_tenant, invalid_client_id, encrypted_private_key, unsupported_flow)."""

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
    @property
    def is_personal(self) -> bool:
        """Whether the preset is for personal Microsoft accounts (``consumers``)."""
    @property
    def implied_tenant(self) -> Optional[str]:
        """The tenant the preset implies (``consumers`` for personal accounts), else ``None``."""
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
    def allows_client_credentials(self) -> bool:
        """Only a tenant id or a verified domain: never organizations, common or consumers."""
    def check_client_credentials(self) -> None:
        """Raises ``InvalidInputError`` (``invalid_tenant``) with the reason when client
        credentials cannot use this tenant (organizations: a token for a guessed tenant;
        common, consumers: AADSTS9001023)."""
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
def is_personal_tenant_id(tid: str) -> bool:
    """Whether ``tid`` is :data:`CONSUMERS_TENANT_ID` (personal Microsoft accounts)."""

#: SMTP host of Exchange Online High Volume Email (``smtp.hve.mx.microsoft``).
HVE_SMTP_HOST: Final[str]
#: SMTP host of personal Microsoft accounts (``smtp-mail.outlook.com``).
CONSUMER_SMTP_HOST: Final[str]
#: The tenant id of personal Microsoft accounts (the ``tid`` of their tokens).
CONSUMERS_TENANT_ID: Final[str]
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
    def retry_after_at(self, now: int) -> Optional[int]: ...
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

# ---------------------------------------------------------------------------------------------
# PKCE, authorize, admin-consent redirect

@final
class Pkce:
    @staticmethod
    def from_random(random: bytes) -> Pkce: ...
    @staticmethod
    def from_verifier(verifier: str) -> Pkce: ...
    @property
    def verifier(self) -> str: ...
    @property
    def challenge(self) -> str: ...
    @property
    def method(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

def s256_challenge(verifier: str) -> str: ...

@final
class AuthorizeRequest:
    def __new__(
        cls,
        *,
        authorize_url: str,
        client_id: str,
        redirect_uri: str,
        scopes: Sequence[str],
        state: str,
        code_challenge: str,
        response_mode: Optional[str] = None,
        prompt: Optional[str] = None,
        login_hint: Optional[str] = None,
        domain_hint: Optional[str] = None,
    ) -> AuthorizeRequest: ...
    @staticmethod
    def microsoft(
        *,
        tenant: _TenantLike,
        client_id: str,
        redirect_uri: str,
        protocols: Sequence[str],
        state: str,
        pkce: Pkce,
        cloud: Optional[_CloudLike] = None,
        response_mode: Optional[str] = None,
        prompt: Optional[str] = None,
        login_hint: Optional[str] = None,
        domain_hint: Optional[str] = None,
    ) -> AuthorizeRequest: ...
    def url(self) -> str: ...
    @property
    def authorize_url(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def redirect_uri(self) -> str: ...
    @property
    def scopes(self) -> list[str]: ...
    @property
    def state(self) -> str: ...
    @property
    def code_challenge(self) -> str: ...
    @property
    def response_mode(self) -> Optional[str]: ...
    @property
    def prompt(self) -> Optional[str]: ...
    @property
    def login_hint(self) -> Optional[str]: ...
    @property
    def domain_hint(self) -> Optional[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class AuthorizationCode:
    @property
    def code(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def iss(self) -> Optional[str]: ...
    @property
    def session_state(self) -> Optional[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

def parse_authorize_redirect(
    redirect_url: str, *, expected_state: str, expected_issuer: Optional[str] = None
) -> AuthorizationCode: ...
def parse_authorize_response_params(
    params: str, *, expected_state: str, expected_issuer: Optional[str] = None
) -> AuthorizationCode: ...

@final
class AdminConsentResult:
    @property
    def granted(self) -> bool: ...
    @property
    def tenant(self) -> Optional[str]: ...
    @property
    def scope(self) -> Optional[str]: ...
    @property
    def state(self) -> Optional[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

def parse_admin_consent_redirect(redirect_url: str, *, expected_state: Optional[str] = None) -> AdminConsentResult: ...

# ---------------------------------------------------------------------------------------------
# Tokens, device code, client assertions

@final
class TokenSet:
    def __new__(
        cls,
        access_token: str,
        *,
        token_type: str = ...,
        expires_at: Optional[int] = None,
        refresh_token: Optional[str] = None,
        scope: Optional[str] = None,
        id_token: Optional[str] = None,
        ext_expires_at: Optional[int] = None,
    ) -> TokenSet: ...
    @staticmethod
    def from_json(text: str) -> TokenSet: ...
    def to_json(self) -> str: ...
    @property
    def access_token(self) -> str: ...
    @property
    def token_type(self) -> str: ...
    @property
    def expires_at(self) -> Optional[int]: ...
    @property
    def refresh_token(self) -> Optional[str]: ...
    @property
    def scope(self) -> Optional[str]: ...
    @property
    def id_token(self) -> Optional[str]: ...
    @property
    def ext_expires_at(self) -> Optional[int]: ...
    def needs_refresh(self, now: int, margin: int = 300) -> bool: ...
    def is_expired(self, now: int) -> bool: ...
    def expires_in(self, now: int) -> Optional[int]: ...
    def scopes(self) -> list[str]: ...
    def merged_with(self, new: TokenSet) -> TokenSet: ...
    def __eq__(self, value: object, /) -> bool: ...

def build_auth_code_request(
    *,
    token_url: str,
    client_id: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    scopes: Sequence[str] = ...,
    client_secret: Optional[str] = None,
    client_assertion: Optional[str] = None,
    client_auth: Optional[str] = None,
) -> HttpRequest: ...
def build_refresh_request(
    *,
    token_url: str,
    client_id: str,
    refresh_token: str,
    scopes: Sequence[str] = ...,
    client_secret: Optional[str] = None,
    client_assertion: Optional[str] = None,
    client_auth: Optional[str] = None,
) -> HttpRequest: ...
def build_client_credentials_request(
    *,
    token_url: str,
    client_id: str,
    scope: str,
    client_secret: Optional[str] = None,
    client_assertion: Optional[str] = None,
    client_auth: Optional[str] = None,
) -> HttpRequest: ...
def build_device_code_token_request(
    *,
    token_url: str,
    client_id: str,
    device_code: str,
    client_secret: Optional[str] = None,
    client_assertion: Optional[str] = None,
    client_auth: Optional[str] = None,
) -> HttpRequest: ...
def parse_token_response(response: HttpResponse, now: int) -> TokenSet: ...
def build_device_authorization_request(
    *,
    device_authorization_url: str,
    client_id: str,
    scopes: Sequence[str],
    client_secret: Optional[str] = None,
    client_assertion: Optional[str] = None,
    client_auth: Optional[str] = None,
) -> HttpRequest: ...

@final
class DeviceAuthorization:
    @property
    def device_code(self) -> str: ...
    @property
    def user_code(self) -> str: ...
    @property
    def verification_uri(self) -> str: ...
    @property
    def verification_uri_complete(self) -> Optional[str]: ...
    @property
    def expires_at(self) -> int: ...
    @property
    def interval(self) -> int: ...
    @property
    def message(self) -> Optional[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

def parse_device_authorization_response(response: HttpResponse, now: int) -> DeviceAuthorization: ...

@final
class PollResult:
    @property
    def state(self) -> Literal["pending", "declined", "expired", "token"]: ...
    @property
    def interval(self) -> Optional[int]: ...
    @property
    def next_poll_at(self) -> Optional[int]: ...
    @property
    def token(self) -> Optional[TokenSet]: ...

def parse_device_poll_response(response: HttpResponse, now: int, interval: int) -> PollResult: ...

@final
class DeviceOutcome:
    @property
    def kind(self) -> Literal["token", "declined", "expired", "failed"]: ...
    @property
    def token(self) -> Optional[TokenSet]: ...
    @property
    def error(self) -> Optional[Error]: ...

@final
class DeviceAction:
    @property
    def kind(self) -> Literal["poll_at", "send", "done"]: ...
    @property
    def at(self) -> Optional[int]: ...
    @property
    def request(self) -> Optional[HttpRequest]: ...
    @property
    def outcome(self) -> Optional[DeviceOutcome]: ...

@final
class DevicePoller:
    def __new__(
        cls,
        *,
        token_url: str,
        client_id: str,
        authorization: DeviceAuthorization,
        now: int,
        client_secret: Optional[str] = None,
        client_assertion: Optional[str] = None,
        client_auth: Optional[str] = None,
    ) -> DevicePoller: ...
    def set_client_auth(
        self,
        *,
        client_secret: Optional[str] = None,
        client_assertion: Optional[str] = None,
        client_auth: Optional[str] = None,
    ) -> None: ...
    def next_action(self, now: int) -> DeviceAction: ...
    def receive_response(self, response: HttpResponse, now: int) -> None: ...
    def network_failed(self, now: int) -> None: ...
    @property
    def interval(self) -> int: ...
    @property
    def next_poll_at(self) -> int: ...
    @property
    def expires_at(self) -> int: ...
    @property
    def outcome(self) -> Optional[DeviceOutcome]: ...

def jti_from_random(random: bytes) -> str: ...
def x5t_s256(certificate_der: bytes) -> str: ...
def x5t_sha1(certificate_der: bytes) -> str: ...

@final
class KeyCheck:
    @property
    def key_format(self) -> Literal["pkcs8", "pkcs1"]: ...
    @property
    def key_bits(self) -> int: ...
    @property
    def matches_certificate(self) -> bool: ...

def check_private_key(certificate_pem: str, private_key_pem: str) -> KeyCheck: ...
def certificate_der_from_pem(pem: str) -> bytes: ...
def client_assertion_from_pem(
    *,
    client_id: str,
    token_url: str,
    certificate_pem: str,
    private_key_pem: str,
    jti: str,
    now: int,
    random: bytes,
    alg: str = "PS256",
    include_x5t: bool = False,
) -> str: ...

@final
class AssertionInput:
    @property
    def alg(self) -> str: ...
    @property
    def header_json(self) -> str: ...
    @property
    def claims_json(self) -> str: ...
    @property
    def signing_input(self) -> str: ...
    def finish(self, signature: bytes) -> str: ...

def build_assertion_signing_input(
    *,
    client_id: str,
    token_url: str,
    certificate_der: bytes,
    jti: str,
    now: int,
    lifetime: int = 600,
    alg: str = "PS256",
    include_x5c: bool = False,
    include_x5t: bool = False,
) -> AssertionInput: ...

# ---------------------------------------------------------------------------------------------
# Diagnosis

@final
class Diagnosis:
    @property
    def code(self) -> str: ...
    @property
    def cause(self) -> str: ...
    @property
    def fix(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Explanation:
    @property
    def aadsts(self) -> Optional[int]: ...
    @property
    def error(self) -> Optional[str]: ...
    @property
    def known(self) -> bool: ...
    @property
    def title(self) -> str: ...
    @property
    def cause(self) -> str: ...
    @property
    def fix(self) -> str: ...
    @property
    def remedy(self) -> Literal["retry", "sign_in_again", "admin_action", "fix_configuration", "user_action"]: ...
    @property
    def retryable(self) -> bool: ...
    @property
    def needs_sign_in(self) -> bool: ...
    @property
    def needs_admin(self) -> bool: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def trace_id(self) -> Optional[str]: ...
    @property
    def correlation_id(self) -> Optional[str]: ...
    @property
    def timestamp(self) -> Optional[str]: ...
    @property
    def retry_after(self) -> Optional[int]: ...
    @property
    def admin_consent_url(self) -> Optional[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

def explain_aadsts(code: int) -> Optional[Explanation]: ...
def explain_error_body(body: str) -> Explanation: ...
def explain_error_text(text: str) -> Optional[Explanation]: ...
def entra_catalogue() -> list[Explanation]: ...

@final
class LintFinding:
    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> _Severity:
        """``error`` (the login will fail), ``warning`` (it may) or ``note``."""
    @property
    def message(self) -> str: ...
    @property
    def fix(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class TokenClaims:
    @property
    def aud(self) -> list[str]: ...
    @property
    def iss(self) -> Optional[str]: ...
    @property
    def tid(self) -> Optional[str]: ...
    @property
    def appid(self) -> Optional[str]: ...
    @property
    def user(self) -> Optional[str]: ...
    @property
    def scp(self) -> list[str]: ...
    @property
    def roles(self) -> list[str]: ...
    @property
    def exp(self) -> Optional[int]: ...
    @property
    def iat(self) -> Optional[int]: ...
    @property
    def alg(self) -> Optional[str]: ...
    @property
    def typ(self) -> Optional[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class TokenLint:
    @property
    def claims(self) -> Optional[TokenClaims]: ...
    @property
    def findings(self) -> list[LintFinding]: ...
    def codes(self) -> list[str]: ...

def lint_access_token(
    token: str,
    *,
    protocol: str,
    grant: str,
    now: int,
    user: Optional[str] = None,
    cloud: Optional[_CloudLike] = None,
) -> TokenLint: ...
def token_claims(token: str) -> TokenClaims: ...
def guess_grant(token: str) -> str: ...
def decode_jwt_unverified(token: str) -> tuple[str, str]: ...
def lint_config(
    *,
    flow: str,
    tenant: Optional[str] = None,
    client_id: Optional[str] = None,
    client_secret: Optional[str] = None,
    scopes: Sequence[str] = ...,
    authority: Optional[str] = None,
    has_certificate: bool = False,
) -> list[LintFinding]: ...

@final
class RunbookStep:
    @property
    def title(self) -> str: ...
    @property
    def explanation(self) -> str: ...
    @property
    def commands(self) -> list[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Runbook:
    @property
    def steps(self) -> list[RunbookStep]: ...
    @property
    def consent_url(self) -> str: ...
    def to_text(self) -> str: ...

def build_runbook(
    *,
    tenant: str,
    client_id: str,
    service_principal_object_id: Optional[str] = None,
    display_name: Optional[str] = None,
    mailboxes: Sequence[str] = ...,
    protocols: Sequence[str] = ...,
    cloud: Optional[_CloudLike] = None,
    send_as: bool = False,
    variant: str = "mailbox-permission",
) -> Runbook: ...
def quote_powershell(value: str) -> str: ...
def runbook_variants() -> list[_RunbookVariant]: ...
def send_as_command(mailbox: str, trustee: str) -> str:
    """``Add-RecipientPermission -Identity <mailbox> -Trustee <trustee> -AccessRights SendAs
    -Confirm:$false`` (values quoted): what a delegate needs to send from a shared mailbox."""

# ---------------------------------------------------------------------------------------------
# IMAP / POP3 / SMTP authentication exchanges

@final
class Authenticated:
    @property
    def server_text(self) -> str: ...
    @property
    def capabilities(self) -> Optional[list[str]]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Rejection:
    @property
    def server_text(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def sasl_error(self) -> Optional[SaslError]: ...
    @property
    def diagnosis(self) -> Optional[Diagnosis]: ...
    @property
    def retry_with_fresh_token(self) -> bool: ...
    @property
    def reply_code(self) -> Optional[int]: ...
    @property
    def enhanced_status(self) -> Optional[str]: ...

@final
class AuthOutcome:
    @property
    def kind(self) -> Literal["authenticated", "rejected", "error"]: ...
    @property
    def authenticated(self) -> Optional[Authenticated]: ...
    @property
    def rejection(self) -> Optional[Rejection]: ...
    @property
    def error(self) -> Optional[Error]: ...
    def is_authenticated(self) -> bool: ...

@final
class Action:
    @property
    def kind(self) -> Literal["send", "need_line", "done"]: ...
    @property
    def data(self) -> Optional[bytes]: ...
    @property
    def outcome(self) -> Optional[AuthOutcome]: ...

@final
class ImapAuth:
    def __new__(
        cls,
        *,
        user: str,
        token: str,
        tag: str,
        capabilities: Sequence[str],
        mechanism: str = "XOAUTH2",
        host: Optional[str] = None,
        port: Optional[int] = None,
    ) -> ImapAuth: ...
    def next_action(self) -> Action: ...
    def receive_line(self, line: bytes) -> None: ...
    def cancel(self) -> None: ...
    @property
    def tag(self) -> str: ...
    @property
    def mechanism(self) -> str: ...
    @property
    def uses_initial_response(self) -> bool: ...
    @property
    def is_done(self) -> bool: ...

@final
class PopAuth:
    def __new__(
        cls,
        *,
        user: str,
        token: str,
        mechanism: str = "XOAUTH2",
        capabilities: Optional[Sequence[str]] = None,
        initial_response: str = "auto",
        host: Optional[str] = None,
        port: Optional[int] = None,
    ) -> PopAuth: ...
    def next_action(self) -> Action: ...
    def receive_line(self, line: bytes) -> None: ...
    def cancel(self) -> None: ...
    @property
    def mechanism(self) -> str: ...
    @property
    def uses_initial_response(self) -> bool: ...
    @property
    def is_done(self) -> bool: ...

@final
class SmtpAuth:
    def __new__(
        cls,
        *,
        user: str,
        token: str,
        ehlo: Sequence[str],
        mechanism: str = "XOAUTH2",
        initial_response: str = "auto",
        host: Optional[str] = None,
        port: Optional[int] = None,
    ) -> SmtpAuth: ...
    def next_action(self) -> Action: ...
    def receive_line(self, line: bytes) -> None: ...
    def cancel(self) -> None: ...
    @property
    def mechanism(self) -> str: ...
    @property
    def uses_initial_response(self) -> bool: ...
    @property
    def is_done(self) -> bool: ...

def diagnose_reply(protocol: str, line: str, personal: bool = False) -> Optional[Diagnosis]: ...
def reply_catalogue() -> list[Diagnosis]: ...
def personal_account_diagnosis(code: str) -> Optional[Diagnosis]: ...

@final
class RelayOutput:
    @property
    def kind(self) -> Literal["send", "start_tls", "login", "close"]: ...
    @property
    def data(self) -> Optional[bytes]: ...
    @property
    def user(self) -> Optional[str]: ...
    @property
    def password(self) -> Optional[str]: ...
    @property
    def method(self) -> Optional[str]: ...
    @property
    def reason(self) -> Optional[str]: ...

@final
class RelaySession:
    def __new__(
        cls,
        protocol: str,
        *,
        hostname: str = ...,
        tls_active: bool = False,
        starttls: bool = False,
        plaintext_login: bool = False,
        upstream_capabilities: Sequence[str] = ...,
    ) -> RelaySession: ...
    def poll_output(self) -> Optional[RelayOutput]: ...
    def receive(self, data: bytes) -> None: ...
    def tls_started(self) -> None: ...
    def login_succeeded(self, capabilities: Optional[Sequence[str]] = None) -> None: ...
    def login_failed(self, code: str, text: str, *, temporary: bool = False) -> None: ...
    def shutdown(self) -> None: ...
    def timed_out(self) -> None: ...
    def busy(self) -> None: ...
    def take_pending_input(self) -> bytes: ...
    @property
    def state(self) -> str: ...
    @property
    def protocol(self) -> str: ...
    @property
    def tls_active(self) -> bool: ...
    @property
    def failures(self) -> int: ...

@final
class PreambleAction:
    @property
    def kind(self) -> Literal["send", "need_line", "start_tls", "done"]: ...
    @property
    def data(self) -> Optional[bytes]: ...
    @property
    def capabilities(self) -> Optional[list[str]]: ...

@final
class UpstreamPreamble:
    def __new__(cls, protocol: str, *, hostname: str, starttls: bool = False) -> UpstreamPreamble: ...
    def next_action(self) -> PreambleAction: ...
    def receive_line(self, line: bytes) -> None: ...
    def tls_started(self) -> None: ...

def rewrite_capabilities(
    protocol: str,
    upstream: Sequence[str],
    *,
    tls_active: bool = False,
    starttls: bool = False,
    plaintext_login: bool = False,
) -> list[str]: ...
def post_login_capabilities(protocol: str, upstream: Sequence[str]) -> list[str]: ...
# ---------------------------------------------------------------------------------------------
# Discovery (RFC 8414, OpenID Connect Discovery), providers, HTTP-dates

@final
class ProviderMetadata:
    @property
    def issuer(self) -> str: ...
    @property
    def authorization_endpoint(self) -> Optional[str]: ...
    @property
    def token_endpoint(self) -> str: ...
    @property
    def device_authorization_endpoint(self) -> Optional[str]: ...
    @property
    def revocation_endpoint(self) -> Optional[str]: ...
    @property
    def grant_types_supported(self) -> list[str]: ...
    @property
    def token_endpoint_auth_methods_supported(self) -> list[str]: ...
    @property
    def token_endpoint_auth_signing_alg_values_supported(self) -> list[str]: ...
    @property
    def scopes_supported(self) -> list[str]: ...
    @property
    def code_challenge_methods_supported(self) -> list[str]: ...
    @property
    def authorization_response_iss_parameter_supported(self) -> bool: ...
    def endpoints(self) -> Endpoints: ...
    def supports_grant(self, grant_type: str) -> bool: ...
    def choose_client_auth(self, *, has_secret: bool, has_key: bool) -> _ClientAuthName: ...
    def __eq__(self, value: object, /) -> bool: ...

def well_known_urls(issuer: str) -> list[str]: ...
def build_metadata_request(url: str) -> HttpRequest: ...
def parse_provider_metadata(response: HttpResponse, expected_issuer: str, now: int) -> ProviderMetadata: ...
def client_auth_methods() -> list[str]: ...
def providers() -> list[str]: ...
def validate_provider_client_id(client_id: str, provider: Optional[str] = None) -> str: ...
def check_device_flow(provider: str, scopes: Sequence[str]) -> None: ...
def google_endpoints() -> Endpoints: ...
def google_scopes() -> list[str]: ...
def google_mail_server(protocol: _ProtocolName) -> tuple[str, int]: ...
def check_google_redirect_uri(redirect_uri: str) -> None: ...
def parse_http_date(text: str, now: int) -> Optional[int]: ...
