"""The Zeebe gRPC gateway API (``gateway_protocol.Gateway``) served for the embedded engine.

Built on the stubs that ship inside pyzeebe, so no copy of the ``.proto`` lives in this repository.
"""

from autoops.engine.grpc_gateway._convert import INVALID_JSON, InvalidJsonError, parse_document
from autoops.engine.grpc_gateway._polling import wait_ms_for
from autoops.engine.grpc_gateway._server import (
    GATEWAY_SERVICE,
    MAX_MESSAGE_BYTES,
    SERVER_OPTIONS,
    GrpcGateway,
)
from autoops.engine.grpc_gateway._servicer import DEFAULT_LONG_POLL_MS, GATEWAY_VERSION, ZeebeGateway

__all__ = [
    "DEFAULT_LONG_POLL_MS",
    "GATEWAY_SERVICE",
    "GATEWAY_VERSION",
    "INVALID_JSON",
    "MAX_MESSAGE_BYTES",
    "SERVER_OPTIONS",
    "GrpcGateway",
    "InvalidJsonError",
    "ZeebeGateway",
    "parse_document",
    "wait_ms_for",
]
