"""Real servers on 127.0.0.1 for the client tests: an OAuth token endpoint, a REST v2 endpoint and a
Zeebe gRPC gateway (pyzeebe's generated servicer), each recording what the client sent.

They run in background threads so that async tests, the sync client and the CLI (which owns its own
event loop) can all talk to them.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
import uvicorn
from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CLIENT_ID = "ops-client"
CLIENT_SECRET = "s3cr3t-Value-9f8e7d"  # a value that must never show up in logs, reprs or errors
AUDIENCE = "zeebe-api"

ENV_VARS = [
    "AUTOOPS_PROFILE",
    "ZEEBE_ADDRESS",
    "ZEEBE_GRPC_ADDRESS",
    "ZEEBE_REST_ADDRESS",
    "CAMUNDA_REST_ADDRESS",
    "CAMUNDA_REST_ADDRESS_EXACT",
    "CAMUNDA_AUTH_STRATEGY",
    "CAMUNDA_CLIENT_ID",
    "ZEEBE_CLIENT_ID",
    "CAMUNDA_CLIENT_SECRET",
    "ZEEBE_CLIENT_SECRET",
    "CAMUNDA_OAUTH_URL",
    "ZEEBE_AUTHORIZATION_SERVER_URL",
    "CAMUNDA_TOKEN_AUDIENCE",
    "ZEEBE_TOKEN_AUDIENCE",
    "CAMUNDA_TOKEN_SCOPE",
    "CAMUNDA_CLUSTER_ID",
    "CAMUNDA_CLUSTER_REGION",
    "CAMUNDA_TENANT_ID",
    "CAMUNDA_BASIC_AUTH_USERNAME",
    "CAMUNDA_BASIC_AUTH_PASSWORD",
    "CAMUNDA_SECURE_CONNECTION",
    "ZEEBE_SECURE_CONNECTION",
    "ZEEBE_INSECURE_CONNECTION",
    "CAMUNDA_CUSTOM_ROOT_CERT_PATH",
    "ZEEBE_CA_CERTIFICATE_PATH",
    "CAMUNDA_MTLS_CA_PATH",
    "CAMUNDA_CUSTOM_CERT_CHAIN_PATH",
    "CAMUNDA_MTLS_CERT_PATH",
    "CAMUNDA_CUSTOM_PRIVATE_KEY_PATH",
    "CAMUNDA_MTLS_KEY_PATH",
    "AUTOOPS_REQUEST_TIMEOUT",
    "AUTOOPS_CONNECT_TIMEOUT",
    "AUTOOPS_TOKEN_LEEWAY",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No Camunda variable of the developer's shell and no stray .env may influence a test."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ------------------------------------------------------------------------------------------ HTTP


@dataclass
class Seen:
    method: str
    path: str
    authorization: str | None
    body: Any
    status: int = 0


@dataclass
class HttpFake:
    """Token endpoint (/oauth/token) and a REST v2 surface (/v2/...) on one uvicorn server."""

    expires_in: int = 60
    require_auth: bool = False
    echo_secret_in_error: bool = False
    token_requests: list[dict[str, str]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    routes: dict[tuple[str, str], Callable[[Request, Any], Response]] = field(default_factory=dict)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.base}/oauth/token"

    @property
    def rest_url(self) -> str:
        return f"{self.base}/v2"

    def rest_calls(self) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith("/v2/")]

    def on(
        self, method: str, path: str, handler: Callable[[Request, Any], Response] | Any, status: int = 200
    ) -> None:
        """Answer ``method path`` with ``handler(request, body)`` or with a fixed JSON body."""
        if callable(handler):
            self.routes[(method, path)] = handler
        elif handler is None:
            self.routes[(method, path)] = lambda _r, _b: Response(status_code=status)
        else:
            payload = handler
            self.routes[(method, path)] = lambda _r, _b: JSONResponse(payload, status_code=status)

    async def _token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
        ):
            description = "bad client credentials"
            if self.echo_secret_in_error:
                description += f" (got secret {form.get('client_secret')})"
            return JSONResponse(
                {"error": "invalid_client", "error_description": description}, status_code=401
            )
        token = f"tok-{len(self.issued) + 1}"
        self.issued.append(token)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in})

    async def _rest(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw) if raw else None
        seen = Seen(request.method, request.url.path, request.headers.get("authorization"), body)
        self.seen.append(seen)
        if self.require_auth:
            value = seen.authorization or ""
            token = value.removeprefix("Bearer ")
            if token not in self.issued or token in self.revoked:
                seen.status = 401
                return JSONResponse(
                    {
                        "type": "about:blank",
                        "title": "Unauthorized",
                        "status": 401,
                        "detail": "invalid token",
                    },
                    status_code=401,
                    media_type="application/problem+json",
                )
        path = request.url.path.removeprefix("/v2")
        handler = self.routes.get((request.method, path))
        if handler is None:
            seen.status = 404
            return JSONResponse(
                {
                    "type": "about:blank",
                    "title": "NOT_FOUND",
                    "status": 404,
                    "detail": f"no fake route for {request.method} {path}",
                    "instance": path,
                },
                status_code=404,
                media_type="application/problem+json",
            )
        response = handler(request, body)
        seen.status = response.status_code
        return response

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/oauth/token", self._token, methods=["POST"]),
                Route("/v2/{rest:path}", self._rest, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            ]
        )


@contextmanager
def running_http(fake: HttpFake, **config: Any) -> Iterator[HttpFake]:
    """Serve ``fake`` with uvicorn in a thread on a free 127.0.0.1 port (TLS when given cert/key)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    fake.port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake.app(), log_level="warning", lifespan="off", **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake HTTP server did not start")
        time.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


@pytest.fixture
def http_fake() -> Iterator[HttpFake]:
    with running_http(HttpFake()) as fake:
        yield fake


# ------------------------------------------------------------------------------------------ gRPC


class FakeGateway(gateway_pb2_grpc.GatewayServicer):
    """Just enough of the Zeebe gateway to observe what pyzeebe (through the client) sends."""

    def __init__(self) -> None:
        self.metadata: list[dict[str, str]] = []
        self.requests: list[tuple[str, Any]] = []
        self.valid_tokens: set[str] | None = None  # None: no auth check
        self.release = threading.Event()
        self.next_key = 2251799813685249

    def _enter(self, name: str, request: Any, context: grpc.ServicerContext) -> None:
        meta = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        self.metadata.append(meta)
        self.requests.append((name, request))
        if self.valid_tokens is not None:
            token = meta.get("authorization", "").removeprefix("Bearer ")
            if token not in self.valid_tokens:
                context.abort(grpc.StatusCode.UNAUTHENTICATED, "Expected a valid token, but it was refused")

    def _key(self) -> int:
        self.next_key += 1
        return self.next_key

    def Topology(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("Topology", request, context)
        partition = gateway_pb2.Partition(
            partitionId=1, role=gateway_pb2.Partition.LEADER, health=gateway_pb2.Partition.HEALTHY
        )
        broker = gateway_pb2.BrokerInfo(
            nodeId=0, host="127.0.0.1", port=26501, partitions=[partition], version="8.8.0"
        )
        return gateway_pb2.TopologyResponse(
            brokers=[broker], clusterSize=1, partitionsCount=1, replicationFactor=1, gatewayVersion="8.8.0"
        )

    def DeployResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("DeployResource", request, context)
        deployments = []
        for resource in request.resources:
            process_id = resource.name.rsplit(".", 1)[0]
            deployments.append(
                gateway_pb2.Deployment(
                    process=gateway_pb2.ProcessMetadata(
                        bpmnProcessId=process_id,
                        version=1,
                        processDefinitionKey=self._key(),
                        resourceName=resource.name,
                        tenantId="<default>",
                    )
                )
            )
        return gateway_pb2.DeployResourceResponse(
            key=self._key(), deployments=deployments, tenantId="<default>"
        )

    def CreateProcessInstance(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CreateProcessInstance", request, context)
        if request.bpmnProcessId == "missing":
            context.abort(
                grpc.StatusCode.NOT_FOUND,
                "Command 'CREATE' rejected with code 'NOT_FOUND': Expected to find process definition with "
                "process ID 'missing', but none found",
            )
        return gateway_pb2.CreateProcessInstanceResponse(
            processDefinitionKey=2251799813685250,
            bpmnProcessId=request.bpmnProcessId,
            version=3 if request.version == -1 else request.version,
            processInstanceKey=self._key(),
            tenantId="<default>",
        )

    def CreateProcessInstanceWithResult(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CreateProcessInstanceWithResult", request, context)
        inner = request.request
        if inner.bpmnProcessId == "never-ends":
            self.release.wait(30)  # outlives the client's deadline; set when the server stops
            context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "the instance did not complete")
        variables = json.loads(inner.variables or "{}")
        variables["done"] = True
        return gateway_pb2.CreateProcessInstanceWithResultResponse(
            processDefinitionKey=2251799813685250,
            bpmnProcessId=inner.bpmnProcessId,
            version=3,
            processInstanceKey=self._key(),
            variables=json.dumps(variables),
            tenantId="<default>",
        )

    def PublishMessage(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("PublishMessage", request, context)
        if request.messageId == "dup":
            context.abort(
                grpc.StatusCode.ALREADY_EXISTS,
                "Command 'PUBLISH' rejected with code 'ALREADY_EXISTS': Expected to publish a new message with id "
                "'dup', but a message with that id was already published",
            )
        return gateway_pb2.PublishMessageResponse(key=self._key(), tenantId="<default>")

    def CancelProcessInstance(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("CancelProcessInstance", request, context)
        if request.processInstanceKey == 42:
            context.abort(
                grpc.StatusCode.NOT_FOUND,
                "Command 'CANCEL' rejected with code 'NOT_FOUND': Expected to cancel a process instance with key "
                "'42', but no such process was found",
            )
        return gateway_pb2.CancelProcessInstanceResponse()


@dataclass
class GrpcFake:
    gateway: FakeGateway
    port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture
def grpc_fake() -> Iterator[GrpcFake]:
    gateway = FakeGateway()  # type: ignore[abstract]  # only the RPCs the tests need
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    gateway_pb2_grpc.add_GatewayServicer_to_server(gateway, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield GrpcFake(gateway, port)
    gateway.release.set()
    server.stop(grace=None)


# ------------------------------------------------------------------------------------------ TLS


@dataclass
class TlsMaterial:
    ca: Path
    cert: Path
    key: Path


def make_tls_material(folder: Path) -> TlsMaterial:
    """A private CA and a server certificate for localhost/127.0.0.1, made with the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to create test certificates")
    ca_key, ca, key, csr, cert = (
        folder / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem")
    )
    ext = folder / "san.ext"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
        "-days",
        "2",
        "-subj",
        "/CN=autoops test CA",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(csr),
        "-subj",
        "/CN=localhost",
    )
    run(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-out",
        str(cert),
        "-days",
        "2",
        "-extfile",
        str(ext),
    )
    return TlsMaterial(ca=ca, cert=cert, key=key)
