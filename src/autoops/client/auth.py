"""Credentials shared by the gRPC channel and the REST client.

One :class:`CredentialsProvider` per :class:`~autoops.client.CamundaClient` serves both transports, so an
OAuth token is fetched once and used for gRPC metadata and HTTP headers alike. pyzeebe's own OAuth
channel helper is not used for this because it keeps a separate token cache, fetches synchronously
(blocking the event loop's thread) and only works over TLS, while self-managed clusters commonly run
plaintext gRPC behind OAuth.

The OAuth provider implements the client-credentials grant (RFC 6749 §4.4): the form carries
``grant_type``, ``client_id``, ``client_secret`` and, when configured, ``audience`` and ``scope``,
as Camunda's token endpoints (SaaS and Identity/Keycloak) expect. Tokens are cached, replaced
``leeway`` seconds before they expire, and dropped when a gateway answers 401/UNAUTHENTICATED so
that the caller's single retry uses a fresh one.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from autoops.client.errors import EngineUnreachable, RequestTimeout, Unauthorized
from autoops.logging import get_logger

if TYPE_CHECKING:
    import ssl

    import httpx

    from autoops.config import Settings

__all__ = [
    "BasicCredentials",
    "CredentialsProvider",
    "NoCredentials",
    "OAuthClientCredentials",
    "credentials_from_settings",
    "grpc_interceptors",
]

_log = get_logger(__name__)


class CredentialsProvider(Protocol):
    """Produces the ``authorization`` value for a request; shared by both transports."""

    async def authorization(self) -> str | None:
        """The header value to send, or None to send no header."""
        ...

    def invalidate(self, value: str) -> bool:
        """Forget ``value`` after the server refused it; True if a retry could send something else."""
        ...

    async def aclose(self) -> None: ...


class NoCredentials:
    """The local engine and unsecured clusters: no header at all."""

    async def authorization(self) -> str | None:
        return None

    def invalidate(self, value: str) -> bool:
        return False

    async def aclose(self) -> None:
        return None

    def __repr__(self) -> str:
        return "NoCredentials()"


class BasicCredentials:
    """HTTP basic authentication (Camunda 8.8 self-managed with basic auth), also sent as gRPC metadata."""

    def __init__(self, username: str, password: SecretStr) -> None:
        self.username = username
        self._password = password

    async def authorization(self) -> str | None:
        raw = f"{self.username}:{self._password.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def invalidate(self, value: str) -> bool:
        return False  # the same password would be refused again

    async def aclose(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"BasicCredentials(username={self.username!r}, password=SecretStr('**********'))"


class _TokenResponse(BaseModel):
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    access_token: SecretStr
    token_type: str = "Bearer"
    expires_in: float | None = None


class _CachedToken:
    __slots__ = ("expires_at", "header", "refresh_at")

    def __init__(self, header: str, expires_at: float, refresh_at: float) -> None:
        self.header = header
        self.expires_at = expires_at
        self.refresh_at = refresh_at

    def __repr__(self) -> str:
        return f"_CachedToken(expires_at={self.expires_at:.0f})"


class OAuthClientCredentials:
    """OAuth2 client-credentials token source with caching and early refresh.

    ``clock`` is injectable (seconds, monotonic) so tests move time instead of sleeping.
    ``default_lifetime`` applies when the token endpoint omits ``expires_in`` (it is only
    RECOMMENDED by RFC 6749).
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        audience: str | None = None,
        scope: str | None = None,
        leeway: float = 30.0,
        default_lifetime: float = 300.0,
        timeout: float = 10.0,
        verify: ssl.SSLContext | bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.audience = audience
        self.scope = scope
        self.leeway = leeway
        self.default_lifetime = default_lifetime
        self._timeout = timeout
        self._verify = verify
        self._clock = clock
        self._token: _CachedToken | None = None
        self._lock: asyncio.Lock | None = None
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return (
            f"OAuthClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r}, "
            f"client_secret=SecretStr('**********'), audience={self.audience!r})"
        )

    async def authorization(self) -> str | None:
        token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token.header
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            # Another caller may have refreshed while this one waited for the lock.
            token = self._token
            if token is not None and self._clock() < token.refresh_at:
                return token.header
            self._token = await self._fetch()
            return self._token.header

    def invalidate(self, value: str) -> bool:
        if self._token is not None and self._token.header == value:
            self._token = None
            return True
        # Someone already replaced the refused token: retrying with the new one makes sense.
        return self._token is not None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _fetch(self) -> _CachedToken:
        import httpx

        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(self._timeout), verify=self._verify)
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret.get_secret_value(),
        }
        if self.audience:
            form["audience"] = self.audience
        if self.scope:
            form["scope"] = self.scope
        started = self._clock()
        try:
            response = await self._http.post(
                self.token_url, data=form, headers={"accept": "application/json"}
            )
        except httpx.TimeoutException:
            raise RequestTimeout(
                f"the OAuth token endpoint {self.token_url} did not answer in {self._timeout:g} s",
                hint="check CAMUNDA_OAUTH_URL and that the identity provider is up",
            ) from None  # the cause holds the request, whose form body carries the secret
        except httpx.TransportError as exc:
            raise EngineUnreachable(
                self.token_url,
                detail=type(exc).__name__,
                hint="check CAMUNDA_OAUTH_URL and that the identity provider is up",
                what="the OAuth token endpoint",
            ) from None
        if response.status_code != 200:
            raise Unauthorized(
                f"the OAuth token endpoint {self.token_url} refused client id {self.client_id!r} "
                f"(HTTP {response.status_code})",
                detail=_scrub(_oauth_error(response), self._secret),
                hint="check CAMUNDA_CLIENT_ID, CAMUNDA_CLIENT_SECRET and CAMUNDA_TOKEN_AUDIENCE",
                code=str(response.status_code),
            )
        try:
            body = _TokenResponse.model_validate_json(response.content)
        except ValidationError:
            raise Unauthorized(
                f"the OAuth token endpoint {self.token_url} answered without a usable access_token",
                hint="CAMUNDA_OAUTH_URL must be the token endpoint itself, e.g. .../oauth/token",
            ) from None
        lifetime = body.expires_in if body.expires_in and body.expires_in > 0 else self.default_lifetime
        # A leeway beyond half the lifetime would make a short-lived token stale from birth (a fetch per
        # call); such tokens are replaced at half-life instead.
        margin = min(self.leeway, lifetime / 2)
        token_type = "Bearer" if body.token_type.lower() == "bearer" else body.token_type
        _log.debug("oauth token obtained", token_url=self.token_url, expires_in=lifetime)
        return _CachedToken(
            f"{token_type} {body.access_token.get_secret_value()}",
            expires_at=started + lifetime,
            refresh_at=started + lifetime - margin,
        )


def _oauth_error(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, Mapping):
        parts = [str(data.get(k)) for k in ("error", "error_description") if data.get(k)]
        if parts:
            return ": ".join(parts)
    return response.text[:200]


def _scrub(text: str, secret: SecretStr) -> str:
    raw = secret.get_secret_value()
    return text.replace(raw, "**********") if raw else text


def credentials_from_settings(
    settings: Settings, *, verify: ssl.SSLContext | bool = True
) -> CredentialsProvider:
    """The provider that ``settings.auth_strategy`` asks for."""
    if settings.auth_strategy == "OAUTH":
        assert settings.oauth_url and settings.client_id and settings.client_secret  # checked by Settings
        return OAuthClientCredentials(
            settings.oauth_url,
            settings.client_id,
            settings.client_secret,
            audience=settings.token_audience,
            scope=settings.token_scope,
            leeway=settings.token_leeway,
            timeout=settings.request_timeout,
            verify=verify,
        )
    if settings.auth_strategy == "BASIC":
        assert settings.basic_auth_username and settings.basic_auth_password
        return BasicCredentials(settings.basic_auth_username, settings.basic_auth_password)
    return NoCredentials()


class HttpxAuth:
    """httpx auth flow: add the header, and on a 401 drop the token and retry once with a fresh one."""

    requires_request_body = True

    def __init__(self, provider: CredentialsProvider) -> None:
        self.provider = provider

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        raise RuntimeError("the autoops REST client is async only; use SyncCamundaClient for scripts")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        value = await self.provider.authorization()
        if value is not None:
            request.headers["authorization"] = value
        response = yield request
        if response.status_code == 401 and value is not None and self.provider.invalidate(value):
            retry_value = await self.provider.authorization()
            if retry_value is not None and retry_value != value:
                _log.info("REST call refused with 401; retrying once with a new token", url=str(request.url))
                request.headers["authorization"] = retry_value
                yield request


def httpx_auth(provider: CredentialsProvider) -> httpx.Auth:
    """An ``httpx.Auth`` wrapping :class:`HttpxAuth` (built lazily so httpx is imported on first use)."""
    import httpx

    class _Auth(HttpxAuth, httpx.Auth):
        def __init__(self, inner: CredentialsProvider) -> None:
            HttpxAuth.__init__(self, inner)

    return _Auth(provider)


def grpc_interceptors(provider: CredentialsProvider) -> list[Any]:
    """grpc.aio client interceptors that put ``authorization`` into the call metadata.

    Unary calls get the single retry on UNAUTHENTICATED; streaming calls (job activation) only get
    the header, because a stream cannot be replayed transparently.
    """
    import grpc

    async def _details(details: Any, value: str | None) -> Any:
        if value is None:
            return details
        metadata = grpc.aio.Metadata()
        for key, item in details.metadata or ():
            if key != "authorization":
                metadata.add(key, item)
        metadata.add("authorization", value)
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )

    class _UnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
        async def intercept_unary_unary(
            self, continuation: Any, client_call_details: Any, request: Any
        ) -> Any:
            value = await provider.authorization()
            call = await continuation(await _details(client_call_details, value), request)
            if value is None:
                return call
            code = await call.code()
            if code == grpc.StatusCode.UNAUTHENTICATED and provider.invalidate(value):
                retry_value = await provider.authorization()
                if retry_value is not None and retry_value != value:
                    _log.info("gRPC call refused as UNAUTHENTICATED; retrying once with a new token")
                    return await continuation(await _details(client_call_details, retry_value), request)
            return call

    class _UnaryStream(grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
        async def intercept_unary_stream(
            self, continuation: Any, client_call_details: Any, request: Any
        ) -> Any:
            value = await provider.authorization()
            return await continuation(await _details(client_call_details, value), request)

    return [_UnaryUnary(), _UnaryStream()]
