"""OAuth client credentials against a real token endpoint on 127.0.0.1, seen by REST and gRPC."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
import structlog
from client_fakes import AUDIENCE, CLIENT_ID, CLIENT_SECRET, GrpcFake, HttpFake, free_port
from pydantic import SecretStr

from autoops.client import CamundaClient, EngineUnreachable, OAuthClientCredentials, Settings, Unauthorized


class FakeClock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def oauth_settings(http_fake: HttpFake, grpc_fake: GrpcFake, **extra: Any) -> Settings:
    return Settings.load(
        grpc_address=grpc_fake.address,
        rest_address=http_fake.rest_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        oauth_url=http_fake.token_url,
        token_audience=AUDIENCE,
        **extra,
    )


def provider(http_fake: HttpFake, clock: FakeClock, leeway: float = 10.0) -> OAuthClientCredentials:
    return OAuthClientCredentials(
        http_fake.token_url,
        CLIENT_ID,
        SecretStr(CLIENT_SECRET),
        audience=AUDIENCE,
        leeway=leeway,
        clock=clock,
    )


async def test_one_cached_token_serves_rest_and_grpc(http_fake: HttpFake, grpc_fake: GrpcFake) -> None:
    http_fake.require_auth = True
    http_fake.on("POST", "/user-tasks/search", {"items": [], "page": {"totalItems": 0}})
    async with CamundaClient(oauth_settings(http_fake, grpc_fake)) as client:
        await client.search_user_tasks()
        await client.search_user_tasks(state="created")
        topology = await client.topology()

    assert topology.gateway_version == "8.8.0"
    # The client-credentials request as RFC 6749 §4.4 and Camunda's endpoints expect it.
    assert http_fake.token_requests == [
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "audience": AUDIENCE,
        }
    ]
    assert [c.authorization for c in http_fake.rest_calls()] == ["Bearer tok-1", "Bearer tok-1"]
    assert grpc_fake.gateway.metadata[-1]["authorization"] == "Bearer tok-1"


async def test_token_is_refreshed_before_it_expires(http_fake: HttpFake, grpc_fake: GrpcFake) -> None:
    http_fake.expires_in = 60
    http_fake.require_auth = True
    http_fake.on("GET", "/topology", {"brokers": [], "clusterSize": 1})
    clock = FakeClock()
    creds = provider(http_fake, clock, leeway=10.0)
    settings = oauth_settings(http_fake, grpc_fake)
    async with CamundaClient(settings, credentials=creds) as client:
        await client.rest_topology()  # t=0: fetch tok-1, valid until t=60, refreshed from t=50
        clock.now += 45
        await client.rest_topology()  # cached
        await client.topology()  # cached, over gRPC
        assert len(http_fake.token_requests) == 1
        clock.now += 6  # t=51: inside the leeway, still 9 s before expiry
        await client.rest_topology()
        await client.topology()

    assert len(http_fake.token_requests) == 2
    assert [c.authorization for c in http_fake.rest_calls()] == [
        "Bearer tok-1",
        "Bearer tok-1",
        "Bearer tok-2",
    ]
    assert [m["authorization"] for m in grpc_fake.gateway.metadata] == ["Bearer tok-1", "Bearer tok-2"]


async def test_short_lived_tokens_refresh_at_half_life_not_on_every_call(http_fake: HttpFake) -> None:
    # A token living less than twice the leeway would otherwise be "about to expire" from birth.
    http_fake.expires_in = 20
    clock = FakeClock()
    creds = provider(http_fake, clock, leeway=60.0)
    first = await creds.authorization()
    clock.now += 9
    assert await creds.authorization() == first
    clock.now += 2  # t=11 > 20/2
    assert await creds.authorization() == "Bearer tok-2"
    assert len(http_fake.token_requests) == 2
    await creds.aclose()


async def test_rest_401_drops_the_token_and_retries_once(http_fake: HttpFake, grpc_fake: GrpcFake) -> None:
    http_fake.require_auth = True
    http_fake.on("GET", "/topology", {"brokers": [], "clusterSize": 1})
    async with CamundaClient(oauth_settings(http_fake, grpc_fake)) as client:
        await client.rest_topology()
        http_fake.revoked.add("tok-1")  # the server stops accepting the cached token early
        await client.rest_topology()

    calls = [(c.authorization, c.status) for c in http_fake.rest_calls()]
    assert calls == [("Bearer tok-1", 200), ("Bearer tok-1", 401), ("Bearer tok-2", 200)]
    assert len(http_fake.token_requests) == 2


async def test_rest_401_after_the_retry_is_unauthorized_and_not_retried_again(
    http_fake: HttpFake, grpc_fake: GrpcFake
) -> None:
    http_fake.require_auth = True
    http_fake.on("GET", "/topology", {"brokers": []})
    async with CamundaClient(oauth_settings(http_fake, grpc_fake)) as client:
        http_fake.revoked.update({"tok-1", "tok-2", "tok-3"})
        with pytest.raises(Unauthorized) as info:
            await client.rest_topology()
    assert [c.status for c in http_fake.rest_calls()] == [401, 401]
    assert len(http_fake.token_requests) == 2
    assert "HTTP 401" in str(info.value)


async def test_grpc_unauthenticated_drops_the_token_and_retries_once(
    http_fake: HttpFake, grpc_fake: GrpcFake
) -> None:
    async with CamundaClient(oauth_settings(http_fake, grpc_fake)) as client:
        grpc_fake.gateway.valid_tokens = {"tok-1"}
        await client.topology()
        grpc_fake.gateway.valid_tokens = {"tok-2"}  # the gateway now refuses tok-1
        await client.topology()
        grpc_fake.gateway.valid_tokens = set()  # refuses everything: one retry, then the error
        with pytest.raises(Unauthorized) as info:
            await client.topology()

    sent = [m["authorization"] for m in grpc_fake.gateway.metadata]
    assert sent == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2", "Bearer tok-2", "Bearer tok-3"]
    assert info.value.code == "UNAUTHENTICATED"


async def test_refused_credentials_raise_unauthorized_without_the_secret(
    http_fake: HttpFake, grpc_fake: GrpcFake
) -> None:
    http_fake.echo_secret_in_error = True  # a careless identity provider repeating the secret
    settings = Settings.load(
        grpc_address=grpc_fake.address,
        rest_address=http_fake.rest_url,
        client_id="wrong-client",
        client_secret=CLIENT_SECRET,
        oauth_url=http_fake.token_url,
    )
    async with CamundaClient(settings) as client:
        with pytest.raises(Unauthorized) as info:
            await client.rest_topology()
        with pytest.raises(Unauthorized) as grpc_info:
            await client.topology()
    message = str(info.value)
    assert "wrong-client" in message and "invalid_client" in message
    assert CLIENT_SECRET not in message
    assert CLIENT_SECRET not in repr(info.value.__dict__)
    assert CLIENT_SECRET not in str(grpc_info.value)
    assert http_fake.rest_calls() == []  # nothing was sent without a token
    assert grpc_fake.gateway.requests == []


async def test_neither_secret_nor_token_reaches_the_logs(
    http_fake: HttpFake, grpc_fake: GrpcFake, caplog: pytest.LogCaptureFixture
) -> None:
    http_fake.require_auth = True
    http_fake.on("GET", "/topology", {"brokers": []})
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with structlog.testing.capture_logs() as captured, caplog.at_level(logging.DEBUG):
            async with CamundaClient(oauth_settings(http_fake, grpc_fake)) as client:
                await client.rest_topology()
                http_fake.revoked.add("tok-1")
                await client.rest_topology()  # exercises the 401 retry path and its log line
                await client.topology()
                logging.getLogger("autoops.test").debug("client %r creds %r", client, client.credentials)
    finally:
        structlog.reset_defaults()
    logged = repr(captured) + caplog.text
    assert captured, "the client logs something at debug level"
    assert "oauth token obtained" in logged
    assert CLIENT_SECRET not in logged
    assert "tok-1" not in logged and "tok-2" not in logged


async def test_basic_auth_header_on_rest_and_grpc(http_fake: HttpFake, grpc_fake: GrpcFake) -> None:
    http_fake.on("GET", "/topology", {"brokers": []})
    settings = Settings.load(
        grpc_address=grpc_fake.address,
        rest_address=http_fake.rest_url,
        basic_auth_username="demo",
        basic_auth_password=CLIENT_SECRET,
    )
    expected = "Basic " + base64.b64encode(f"demo:{CLIENT_SECRET}".encode()).decode()
    async with CamundaClient(settings) as client:
        await client.rest_topology()
        await client.topology()
        assert CLIENT_SECRET not in repr(client.credentials)
    assert http_fake.rest_calls()[0].authorization == expected
    assert grpc_fake.gateway.metadata[0]["authorization"] == expected
    assert http_fake.token_requests == []


async def test_no_auth_sends_no_authorization(http_fake: HttpFake, grpc_fake: GrpcFake) -> None:
    http_fake.on("GET", "/topology", {"brokers": []})
    settings = Settings.load(grpc_address=grpc_fake.address, rest_address=http_fake.rest_url)
    async with CamundaClient(settings) as client:
        await client.rest_topology()
        await client.topology()
    assert http_fake.rest_calls()[0].authorization is None
    assert "authorization" not in grpc_fake.gateway.metadata[0]


async def test_unreachable_token_endpoint_is_named_as_such(grpc_fake: GrpcFake) -> None:
    token_url = f"http://127.0.0.1:{free_port()}/oauth/token"
    settings = Settings.load(
        grpc_address=grpc_fake.address, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, oauth_url=token_url
    )
    async with CamundaClient(settings) as client:
        with pytest.raises(EngineUnreachable) as info:
            await client.topology()
    assert f"cannot reach the OAuth token endpoint at {token_url}" in str(info.value)
    assert "CAMUNDA_OAUTH_URL" in str(info.value)
    assert CLIENT_SECRET not in str(info.value)
    assert grpc_fake.gateway.requests == []  # no call without a token
