"""TLS with a private CA on both connections: the CA option is honoured, an unknown CA is refused."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from client_fakes import FakeGateway, HttpFake, TlsMaterial, make_tls_material, running_http
from pyzeebe.proto import gateway_pb2_grpc

from autoops.client import CamundaClient, EngineUnreachable, Settings
from autoops.client.errors import TLS_HINT


@dataclass
class TlsServers:
    tls: TlsMaterial
    grpc_port: int
    http: HttpFake


@pytest.fixture
def tls_servers(tmp_path: Path) -> Iterator[TlsServers]:
    tls = make_tls_material(tmp_path)
    gateway = FakeGateway()  # type: ignore[abstract]
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    gateway_pb2_grpc.add_GatewayServicer_to_server(gateway, grpc_server)
    credentials = grpc.ssl_server_credentials([(tls.key.read_bytes(), tls.cert.read_bytes())])
    grpc_port = grpc_server.add_secure_port("127.0.0.1:0", credentials)
    grpc_server.start()
    fake = HttpFake()
    fake.on("GET", "/topology", {"brokers": [], "gatewayVersion": "8.8.0"})
    try:
        with running_http(fake, ssl_certfile=str(tls.cert), ssl_keyfile=str(tls.key)):
            yield TlsServers(tls, grpc_port, fake)
    finally:
        grpc_server.stop(grace=None)


async def test_tls_with_a_private_ca(tls_servers: TlsServers) -> None:
    trusted = Settings.load(
        grpc_address=f"grpcs://localhost:{tls_servers.grpc_port}",
        rest_address=f"https://localhost:{tls_servers.http.port}/v2",
        ca_certificate_path=tls_servers.tls.ca,
    )
    assert trusted.secure is True
    async with CamundaClient(trusted) as client:
        status = await client.status()
    assert status.healthy, status
    assert status.grpc_topology is not None and status.grpc_topology.gateway_version == "8.8.0"

    untrusted = trusted.model_copy(update={"ca_certificate_path": None})
    async with CamundaClient(untrusted) as client:
        with pytest.raises(EngineUnreachable) as rest_error:
            await client.rest_topology()
        with pytest.raises(EngineUnreachable) as grpc_error:
            await client.topology()
    assert rest_error.value.hint == TLS_HINT, rest_error.value
    assert grpc_error.value.hint == TLS_HINT, grpc_error.value
