"""The worker's gRPC channel, built from :class:`autoops.config.Settings`.

Like pyzeebe's channel helpers (same keep-alive), plus: reconnect backoff options so a restarted
gateway is found within a couple of seconds rather than after gRPC's default of up to two minutes,
and the credentials of :mod:`autoops.client.auth` (OAuth or basic, over TLS or plaintext). Without
authentication no interceptor is installed, so job traffic pays nothing for the option.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc

from autoops.client.auth import CredentialsProvider, credentials_from_settings, grpc_interceptors
from autoops.config import ConfigError

if TYPE_CHECKING:
    from autoops.config import Settings

__all__ = ["WorkerChannel", "open_worker_channel"]

_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.keepalive_time_ms", 45_000),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2_000),
)


class WorkerChannel:
    """A channel plus the credentials provider it must close."""

    def __init__(self, channel: grpc.aio.Channel, credentials: CredentialsProvider | None, target: str) -> None:
        self.channel = channel
        self.target = target
        self._credentials = credentials

    async def close(self) -> None:
        await self.channel.close()
        if self._credentials is not None:
            await self._credentials.aclose()


def _read(path: Path | None, what: str) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc.strerror or exc}; check the TLS settings") from None


def open_worker_channel(settings: Settings) -> WorkerChannel:
    target = str(settings.grpc_address)
    credentials: CredentialsProvider | None = None
    interceptors: list[Any] = []
    if settings.auth_strategy not in (None, "NONE"):
        verify: ssl.SSLContext | bool = True
        if settings.ca_certificate_path:
            verify = ssl.create_default_context(cafile=str(settings.ca_certificate_path))
        credentials = credentials_from_settings(settings, verify=verify)
        interceptors = grpc_interceptors(credentials)
    if settings.secure:
        channel_credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(settings.ca_certificate_path, "CA certificate"),
            private_key=_read(settings.client_key_path, "client key"),
            certificate_chain=_read(settings.client_certificate_path, "client certificate"),
        )
        channel = grpc.aio.secure_channel(
            target, channel_credentials, options=_OPTIONS, interceptors=interceptors or None
        )
    else:
        channel = grpc.aio.insecure_channel(target, options=_OPTIONS, interceptors=interceptors or None)
    return WorkerChannel(channel, credentials, target)
