"""Which channels exist and which notification kind goes where, as a validated configuration.

Kept in a TOML or JSON file next to the application, so that operations can move a notification from the
log to e-mail or a chat webhook without touching code. Secrets are either given inline (as
:class:`pydantic.SecretStr`, hidden in reprs) or, preferably, named by an environment variable
(``secret_env``, ``password_env``) so that the file itself can be committed.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from autoops.notify._retry import Backoff
from autoops.notify.errors import ChannelConfigError
from autoops.notify.message import KIND_PATTERN

__all__ = [
    "ChannelConfig",
    "EmailChannelConfig",
    "LogChannelConfig",
    "NotifyConfig",
    "Route",
    "WebhookChannelConfig",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _secret(name: str, inline: SecretStr | None, env_name: str | None, env: Mapping[str, str]) -> str | None:
    if env_name is not None:
        value = env.get(env_name)
        if value is None:
            raise ChannelConfigError(f"channel {name!r}: environment variable {env_name} is not set")
        return value
    return inline.get_secret_value() if inline is not None else None


class LogChannelConfig(_Strict):
    type: Literal["log"] = "log"
    level: Literal["debug", "info", "warning"] = "info"


class WebhookChannelConfig(_Strict):
    type: Literal["webhook"] = "webhook"
    url: str
    secret: SecretStr | None = None
    secret_env: str | None = None
    timeout: float = Field(default=10.0, gt=0)
    retry: Backoff = Backoff()
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"webhook url {value!r} must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _one_secret(self) -> WebhookChannelConfig:
        if self.secret is not None and self.secret_env is not None:
            raise ValueError("give either secret or secret_env, not both")
        return self

    def resolve_secret(self, name: str, env: Mapping[str, str]) -> str | None:
        return _secret(name, self.secret, self.secret_env, env)


class EmailChannelConfig(_Strict):
    type: Literal["email"] = "email"
    host: str
    port: int = Field(default=587, gt=0, lt=65536)
    sender: str
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None
    timeout: float = Field(default=30.0, gt=0)
    ca_file: Path | None = None
    retry: Backoff = Backoff()

    @field_validator("sender")
    @classmethod
    def _address(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"sender {value!r} is not an e-mail address")
        return value

    @model_validator(mode="after")
    def _one_password(self) -> EmailChannelConfig:
        if self.password is not None and self.password_env is not None:
            raise ValueError("give either password or password_env, not both")
        return self

    def resolve_password(self, name: str, env: Mapping[str, str]) -> str | None:
        return _secret(name, self.password, self.password_env, env)


ChannelConfig = Annotated[
    LogChannelConfig | WebhookChannelConfig | EmailChannelConfig, Field(discriminator="type")
]


class Route(_Strict):
    """The channels one notification kind goes to, and recipients used when the notification names none."""

    channels: list[str] = Field(min_length=1)
    recipients: list[str] = Field(default_factory=list)


def _default_channels() -> dict[str, ChannelConfig]:
    return {"log": LogChannelConfig()}


class NotifyConfig(_Strict):
    """The whole notification set-up: template folders, channels by name, routes by kind.

    A kind without a route uses ``default_route``; set it to ``null`` to make unrouted kinds an error. A
    channel named ``log`` always exists (a :class:`LogChannelConfig` unless configured otherwise).
    """

    templates: list[Path] = Field(min_length=1)
    channels: dict[str, ChannelConfig] = Field(default_factory=_default_channels)
    routes: dict[str, Route] = Field(default_factory=dict)
    default_route: Route | None = Route(channels=["log"])

    @model_validator(mode="before")
    @classmethod
    def _always_a_log_channel(cls, data: Any) -> Any:
        """The ``log`` channel exists even when not listed, so the default route always works."""
        if isinstance(data, dict) and isinstance(data.get("channels"), dict) and "log" not in data["channels"]:
            data = {**data, "channels": {"log": {"type": "log"}, **data["channels"]}}
        return data

    @model_validator(mode="after")
    def _routes_name_known_channels(self) -> NotifyConfig:
        routes: list[tuple[str, Route]] = list(self.routes.items())
        if self.default_route is not None:
            routes.append(("default_route", self.default_route))
        for kind, route in routes:
            if kind != "default_route" and not KIND_PATTERN.match(kind):
                raise ValueError(f"route {kind!r}: not a valid notification kind")
            unknown = [name for name in route.channels if name not in self.channels]
            if unknown:
                raise ValueError(
                    f"route {kind!r} names unknown channel(s) {', '.join(unknown)}; "
                    f"defined channels: {', '.join(sorted(self.channels)) or 'none'}"
                )
        return self

    def route_for(self, kind: str) -> Route | None:
        return self.routes.get(kind, self.default_route)

    @classmethod
    def from_file(cls, path: Path | str) -> NotifyConfig:
        """Read a ``.toml`` or ``.json`` file; relative template folders are taken from the file's folder."""
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ChannelConfigError(f"cannot read notification config {file}: {exc.strerror}") from exc
        try:
            data: Any = tomllib.loads(text) if file.suffix == ".toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise ChannelConfigError(f"{file}: not valid {file.suffix.lstrip('.') or 'JSON'}: {exc}") from exc
        if not isinstance(data, dict):
            raise ChannelConfigError(f"{file}: expected a table/object at the top level")
        base = file.parent
        data["templates"] = [
            str(p if Path(p).is_absolute() else base / p) for p in data.get("templates", ["templates"])
        ]
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ChannelConfigError(f"{file}: invalid notification config:\n{exc}") from exc


def environ() -> Mapping[str, str]:
    return os.environ
