"""Connection settings for a Camunda 8 cluster, read the way Camunda's own SDKs read them.

A developer who already has a ``.env`` for zbctl, pyzeebe, the Java or the Node SDK should not have to
rename anything, so every field answers to the variable names those SDKs use (``ZEEBE_ADDRESS``,
``CAMUNDA_CLIENT_ID``, ...). Precedence is arguments > environment > ``.env`` file > profile defaults.

Three profiles decide the defaults:

* ``local``: the embedded engine (``autoops dev``) or a plain docker-compose stack on this machine:
  ``127.0.0.1:26500`` and ``http://127.0.0.1:8080/v2``, plaintext, no authentication.
* ``self-managed``: addresses as given, plaintext or TLS, OAuth through an identity provider
  (``CAMUNDA_OAUTH_URL``) or basic authentication.
* ``saas``: Camunda SaaS; the cluster id and region give both addresses, TLS and OAuth against
  ``https://login.cloud.camunda.io/oauth/token`` are implied.

When no profile is given it is inferred: a cluster id means SaaS, any address or credential means
self-managed, nothing at all means local.

Secrets (client secret, basic-auth password) are :class:`pydantic.SecretStr`: they print as ``**********``
in reprs, logs and error messages; only the transport code calls ``get_secret_value()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "SAAS_OAUTH_URL",
    "SAAS_TOKEN_AUDIENCE",
    "AuthStrategy",
    "ConfigError",
    "Profile",
    "Settings",
]

Profile = Literal["local", "self-managed", "saas"]
AuthStrategy = Literal["NONE", "OAUTH", "BASIC"]

LOCAL_GRPC_ADDRESS = "127.0.0.1:26500"
LOCAL_REST_ADDRESS = "http://127.0.0.1:8080/v2"
SAAS_OAUTH_URL = "https://login.cloud.camunda.io/oauth/token"
SAAS_TOKEN_AUDIENCE = "zeebe.camunda.io"
SAAS_DEFAULT_REGION = "bru-2"


class ConfigError(Exception):
    """The settings are incomplete or contradictory; the message names the variables to set.

    Deliberately not a ``ValueError``: pydantic would wrap a ValueError into a ValidationError whose
    text repeats the raw input, secrets included.
    """


def _env(*names: str) -> AliasChoices:
    """Field aliases: the Python name for arguments, then the environment names in SDK priority order."""
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Where the cluster is and how to authenticate; resolved once, then read by the client.

    After validation the address fields are always filled in (from the profile where not given), so
    callers read ``grpc_address``, ``rest_address``, ``secure`` and ``auth_strategy`` without repeating
    the resolution rules.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=True,
        validate_default=False,
        hide_input_in_errors=True,
    )

    profile: Profile | None = Field(default=None, validation_alias=_env("profile", "AUTOOPS_PROFILE"))

    grpc_address: str | None = Field(
        default=None, validation_alias=_env("grpc_address", "ZEEBE_GRPC_ADDRESS", "ZEEBE_ADDRESS")
    )
    rest_address: str | None = Field(
        default=None, validation_alias=_env("rest_address", "CAMUNDA_REST_ADDRESS", "ZEEBE_REST_ADDRESS")
    )
    rest_address_exact: bool = Field(
        default=False, validation_alias=_env("rest_address_exact", "CAMUNDA_REST_ADDRESS_EXACT")
    )

    auth_strategy: AuthStrategy | None = Field(
        default=None, validation_alias=_env("auth_strategy", "CAMUNDA_AUTH_STRATEGY")
    )
    client_id: str | None = Field(
        default=None, validation_alias=_env("client_id", "CAMUNDA_CLIENT_ID", "ZEEBE_CLIENT_ID")
    )
    client_secret: SecretStr | None = Field(
        default=None,
        validation_alias=_env("client_secret", "CAMUNDA_CLIENT_SECRET", "ZEEBE_CLIENT_SECRET"),
    )
    oauth_url: str | None = Field(
        default=None,
        validation_alias=_env("oauth_url", "CAMUNDA_OAUTH_URL", "ZEEBE_AUTHORIZATION_SERVER_URL"),
    )
    token_audience: str | None = Field(
        default=None,
        validation_alias=_env("token_audience", "CAMUNDA_TOKEN_AUDIENCE", "ZEEBE_TOKEN_AUDIENCE"),
    )
    token_scope: str | None = Field(default=None, validation_alias=_env("token_scope", "CAMUNDA_TOKEN_SCOPE"))
    basic_auth_username: str | None = Field(
        default=None, validation_alias=_env("basic_auth_username", "CAMUNDA_BASIC_AUTH_USERNAME")
    )
    basic_auth_password: SecretStr | None = Field(
        default=None, validation_alias=_env("basic_auth_password", "CAMUNDA_BASIC_AUTH_PASSWORD")
    )

    cluster_id: str | None = Field(default=None, validation_alias=_env("cluster_id", "CAMUNDA_CLUSTER_ID"))
    cluster_region: str | None = Field(
        default=None, validation_alias=_env("cluster_region", "CAMUNDA_CLUSTER_REGION")
    )
    tenant_id: str | None = Field(default=None, validation_alias=_env("tenant_id", "CAMUNDA_TENANT_ID"))

    secure: bool | None = Field(
        default=None,
        validation_alias=_env("secure", "CAMUNDA_SECURE_CONNECTION", "ZEEBE_SECURE_CONNECTION"),
        description="TLS on both connections. Default: on for SaaS and for grpcs:// / https:// addresses.",
    )
    insecure: bool | None = Field(
        default=None,
        validation_alias=_env("insecure", "ZEEBE_INSECURE_CONNECTION"),
        description="zbctl's and the Java client's inverse spelling of `secure`.",
    )
    ca_certificate_path: Path | None = Field(
        default=None,
        validation_alias=_env(
            "ca_certificate_path",
            "CAMUNDA_CUSTOM_ROOT_CERT_PATH",
            "ZEEBE_CA_CERTIFICATE_PATH",
            "CAMUNDA_MTLS_CA_PATH",
        ),
    )
    client_certificate_path: Path | None = Field(
        default=None,
        validation_alias=_env(
            "client_certificate_path", "CAMUNDA_CUSTOM_CERT_CHAIN_PATH", "CAMUNDA_MTLS_CERT_PATH"
        ),
    )
    client_key_path: Path | None = Field(
        default=None,
        validation_alias=_env("client_key_path", "CAMUNDA_CUSTOM_PRIVATE_KEY_PATH", "CAMUNDA_MTLS_KEY_PATH"),
    )

    request_timeout: float = Field(
        default=30.0, gt=0, validation_alias=_env("request_timeout", "AUTOOPS_REQUEST_TIMEOUT")
    )
    connect_timeout: float = Field(
        default=5.0, gt=0, validation_alias=_env("connect_timeout", "AUTOOPS_CONNECT_TIMEOUT")
    )
    token_leeway: float = Field(
        default=30.0,
        ge=0,
        validation_alias=_env("token_leeway", "AUTOOPS_TOKEN_LEEWAY"),
        description="Seconds before expiry at which a cached OAuth token is replaced.",
    )

    @field_validator(
        "grpc_address",
        "rest_address",
        "client_id",
        "oauth_url",
        "token_audience",
        "token_scope",
        "basic_auth_username",
        "cluster_id",
        "cluster_region",
        "tenant_id",
        "auth_strategy",
        "profile",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # An exported-but-empty variable (``ZEEBE_ADDRESS=``) means "not set", as in the SDKs.
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("auth_strategy", mode="before")
    @classmethod
    def _upper_strategy(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("profile", mode="before")
    @classmethod
    def _lower_profile(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.lower().replace("_", "-")
            if value == "selfmanaged":
                value = "self-managed"
        return value

    @field_validator("client_secret", "basic_auth_password", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        """Fill addresses, TLS and auth from the profile, and refuse incomplete combinations early."""
        if self.secure is not None and self.insecure is not None and self.secure == self.insecure:
            raise ConfigError(
                "contradictory TLS settings: CAMUNDA_SECURE_CONNECTION/ZEEBE_SECURE_CONNECTION says "
                f"{self.secure} but ZEEBE_INSECURE_CONNECTION says {self.insecure}; set only one of them"
            )
        if self.secure is None and self.insecure is not None:
            self.secure = not self.insecure

        profile = self.profile or self._infer_profile()
        self.profile = profile

        if profile == "saas":
            self._resolve_saas()
        else:
            self.grpc_address = self.grpc_address or LOCAL_GRPC_ADDRESS
            self.rest_address = self.rest_address or LOCAL_REST_ADDRESS

        grpc_host, grpc_tls = _split_grpc_address(self.grpc_address)
        if self.secure is None:
            self.secure = grpc_tls or profile == "saas"
        self.grpc_address = grpc_host if ":" in grpc_host else f"{grpc_host}:{443 if self.secure else 26500}"
        self.rest_address = _normalise_rest(self.rest_address, exact=self.rest_address_exact)

        self.auth_strategy = self.auth_strategy or self._infer_auth()
        self._check_auth()
        return self

    def _infer_profile(self) -> Profile:
        if self.cluster_id:
            return "saas"
        configured = (
            self.grpc_address,
            self.rest_address,
            self.client_id,
            self.oauth_url,
            self.basic_auth_username,
            self.auth_strategy,
        )
        return "self-managed" if any(v is not None for v in configured) else "local"

    def _resolve_saas(self) -> None:
        if not self.cluster_id:
            raise ConfigError(
                "the SaaS profile needs the cluster id: set CAMUNDA_CLUSTER_ID (and CAMUNDA_CLUSTER_REGION), "
                "found under 'Connection information' of the cluster's API client in Camunda Console"
            )
        region = self.cluster_region or SAAS_DEFAULT_REGION
        self.cluster_region = region
        self.grpc_address = self.grpc_address or f"{self.cluster_id}.{region}.zeebe.camunda.io:443"
        self.rest_address = self.rest_address or f"https://{region}.zeebe.camunda.io:443/{self.cluster_id}/v2"
        self.oauth_url = self.oauth_url or SAAS_OAUTH_URL
        self.token_audience = self.token_audience or SAAS_TOKEN_AUDIENCE
        self.auth_strategy = self.auth_strategy or "OAUTH"

    def _infer_auth(self) -> AuthStrategy:
        if self.client_id or self.client_secret is not None:
            return "OAUTH"
        if self.basic_auth_username or self.basic_auth_password is not None:
            return "BASIC"
        return "NONE"

    def _check_auth(self) -> None:
        if self.auth_strategy == "OAUTH":
            missing = _unset(
                ("CAMUNDA_CLIENT_ID", self.client_id),
                ("CAMUNDA_CLIENT_SECRET", self.client_secret),
                ("CAMUNDA_OAUTH_URL", self.oauth_url),
            )
            if missing:
                raise ConfigError(
                    f"OAuth authentication ({self.profile} profile) is missing {', '.join(missing)}; "
                    "set them in the environment, in .env or with the --client-id/--client-secret/"
                    "--oauth-url options"
                )
        elif self.auth_strategy == "BASIC":
            missing = _unset(
                ("CAMUNDA_BASIC_AUTH_USERNAME", self.basic_auth_username),
                ("CAMUNDA_BASIC_AUTH_PASSWORD", self.basic_auth_password),
            )
            if missing:
                raise ConfigError(
                    f"basic authentication is missing {', '.join(missing)}; set them in the environment, "
                    "in .env or with the --username/--password options"
                )

    # ------------------------------------------------------------------ convenience

    def describe(self) -> dict[str, str]:
        """A secret-free summary for ``autoops status`` and log lines."""
        summary = {
            "profile": str(self.profile),
            "grpc": f"{self.grpc_address} ({'TLS' if self.secure else 'plaintext'})",
            "rest": str(self.rest_address),
            "auth": str(self.auth_strategy),
        }
        if self.auth_strategy == "OAUTH":
            summary["oauth"] = f"{self.oauth_url} (client id {self.client_id})"
        elif self.auth_strategy == "BASIC":
            summary["basic"] = f"user {self.basic_auth_username}"
        if self.tenant_id:
            summary["tenant"] = self.tenant_id
        return summary

    @classmethod
    def load(cls, env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
        """Settings from ``overrides`` (None values are ignored), the environment and ``env_file``.

        Dropping None overrides lets a CLI pass every option through without shadowing the
        environment for options the user did not give.
        """
        given = {key: value for key, value in overrides.items() if value is not None}
        return cls(_env_file=env_file, **given)


def _unset(*settings: tuple[str, object]) -> list[str]:
    """The variable names, of (name, value) pairs, whose value is not set."""
    return [name for name, value in settings if value is None]


def _with_scheme(address: str | None) -> str:
    text = address or ""
    return text if "://" in text else f"http://{text}"


def _split_grpc_address(address: str | None) -> tuple[str, bool]:
    """``host:port`` for grpc plus whether the scheme asked for TLS (grpcs://, https://)."""
    text = (address or "").strip()
    tls = False
    if "://" in text:
        scheme, _, rest = text.partition("://")
        scheme = scheme.lower()
        if scheme not in {"grpc", "grpcs", "http", "https", "dns"}:
            raise ConfigError(
                f"ZEEBE_ADDRESS/ZEEBE_GRPC_ADDRESS {address!r} has the scheme {scheme!r}; use host:port, "
                "grpc://host:port or grpcs://host:port"
            )
        tls = scheme in {"grpcs", "https"}
        text = rest.strip("/")  # dns:///host:port has an empty authority before the host
    if not text:
        raise ConfigError(f"the gRPC address {address!r} has no host; use host:port, e.g. 127.0.0.1:26500")
    return text, tls


def _normalise_rest(address: str | None, *, exact: bool) -> str:
    """Base URL ending in ``/v2`` (appended like the SDKs do, unless CAMUNDA_REST_ADDRESS_EXACT)."""
    url = _with_scheme(address).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(
            f"the REST address {address!r} is not an http(s) URL; use e.g. http://127.0.0.1:8080/v2"
        )
    if not exact and not parts.path.endswith("/v2"):
        url = f"{url}/v2"
    return url
