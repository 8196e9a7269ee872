"""``autoops status``: are both gateways (gRPC and REST) reachable, and what is the topology?"""

from __future__ import annotations

import typer

from autoops.cli._common import (
    EXIT_SERVER,
    EXIT_TIMEOUT,
    EXIT_UNAUTHORIZED,
    EXIT_UNREACHABLE,
    Connection,
    JsonOption,
    connection_command,
    emit_json,
    handle_errors,
    print_table,
    say,
)


@connection_command
def status(as_json: JsonOption = False, *, conn: Connection) -> None:
    """Check the gRPC gateway (topology) and the REST API; exit 4 when either is unreachable (see docs/cli.md)."""
    with handle_errors(as_json):
        settings = conn.settings()
        with conn.client() as client:
            result = client.status()
    if as_json:
        emit_json({"connection": settings.describe(), **result.wire(), "healthy": result.healthy})
    else:
        for label, value in settings.describe().items():
            say(f"{label:8} {value}")
        for label, error in (("gRPC", result.grpc_error), ("REST", result.rest_error)):
            say(f"{label:8} {'ok' if error is None else 'FAILED: ' + error}")
        topology = result.grpc_topology or result.rest_topology
        if topology is not None:
            say(
                f"cluster  size {topology.cluster_size}, {topology.partitions_count} partition(s), "
                f"replication {topology.replication_factor}, gateway {topology.gateway_version}"
            )
            print_table(
                None,
                ["node", "address", "version", "partitions"],
                [
                    (
                        b.node_id,
                        f"{b.host}:{b.port}",
                        b.version,
                        ", ".join(f"{p.partition_id} {p.role}/{p.health}" for p in b.partitions),
                    )
                    for b in topology.brokers
                ],
                empty="no brokers reported",
            )
    if not result.healthy:
        kinds = {result.grpc_error_type, result.rest_error_type} - {None}
        codes = {
            "EngineUnreachable": EXIT_UNREACHABLE,
            "Unauthorized": EXIT_UNAUTHORIZED,
            "RequestTimeout": EXIT_TIMEOUT,
        }
        # Unreachable wins: it is the first thing to fix.
        raise typer.Exit(min(codes.get(str(k), EXIT_SERVER) for k in kinds if k) if kinds else EXIT_SERVER)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
