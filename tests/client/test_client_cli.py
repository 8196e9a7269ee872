"""The operator commands: options, output (text and --json) and exit codes, over real sockets."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from client_fakes import GrpcFake, HttpFake, free_port
from test_client_ops import write_model
from typer.testing import CliRunner

from autoops.cli import app
from autoops.cli._common import (
    EXIT_NOT_FOUND,
    EXIT_REJECTED,
    EXIT_UNAUTHORIZED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from autoops.client.errors import UNREACHABLE_HINT

runner = CliRunner(env={"COLUMNS": "250"})  # wide enough that table cells do not wrap


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The CLI configures logging for its process; give the next test the configuration back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    config = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)


def down() -> list[str]:
    return ["--address", f"127.0.0.1:{free_port()}", "--rest-address", f"http://127.0.0.1:{free_port()}/v2"]


def at(grpc_fake: GrpcFake | None = None, http_fake: HttpFake | None = None) -> list[str]:
    args = down()
    if grpc_fake:
        args[1] = grpc_fake.address
    if http_fake:
        args[3] = http_fake.rest_url
    return args


def test_help_lists_the_commands_without_importing_the_network_stack() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from autoops.cli import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('pyzeebe', 'grpc', 'httpx', 'pydantic_settings', 'autoops.client') if m in sys.modules]\n"
        "print(heavy)\n"
        "print(result.output)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    first, _, help_text = out.partition("\n")
    assert first == "[]"
    for command in ("deploy", "start", "publish", "cancel", "instances", "tasks", "incidents", "status"):
        assert command in help_text


def test_deploy_dry_run_reports_diagnostics_and_exit_codes(tmp_path: Path) -> None:
    good = write_model(tmp_path, "good")
    bad = write_model(tmp_path, "bad", valid=False)

    ok = runner.invoke(app, ["deploy", "--dry-run", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "1 file(s) valid" in ok.stdout

    failed = runner.invoke(app, ["deploy", "--dry-run", str(tmp_path)])  # a folder: both files
    assert failed.exit_code == EXIT_REJECTED
    assert "bad.bpmn:6: charge:" in failed.stdout
    assert "1 error(s) in 2 file(s)" in failed.stdout

    as_json = runner.invoke(app, ["deploy", "--dry-run", "--json", str(bad)])
    data = json.loads(as_json.stdout)
    assert as_json.exit_code == EXIT_REJECTED
    assert data["valid"] is False
    assert data["diagnostics"][0]["element_id"] == "charge"


def test_deploy_refuses_an_invalid_model_before_dialing(tmp_path: Path) -> None:
    bad = write_model(tmp_path, "bad", valid=False)
    result = runner.invoke(app, ["deploy", str(bad), *down()])
    assert result.exit_code == EXIT_REJECTED  # not EXIT_UNREACHABLE: no connection was attempted
    assert "nothing was deployed" in result.stdout


def test_deploy_prints_process_versions_and_keys(tmp_path: Path, grpc_fake: GrpcFake) -> None:
    model = write_model(tmp_path, "order")
    result = runner.invoke(app, ["deploy", str(model), *at(grpc_fake), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deployments"][0]["id"] == "order"
    assert data["deployments"][0]["version"] == 1
    assert data["deployments"][0]["kind"] == "process"

    text = runner.invoke(app, ["deploy", str(model), *at(grpc_fake)])
    assert text.exit_code == 0
    assert "order.bpmn" in text.stdout and "process" in text.stdout


def test_start_parses_vars_as_json_when_they_parse(tmp_path: Path, grpc_fake: GrpcFake) -> None:
    vars_file = tmp_path / "vars.json"
    vars_file.write_text('{"customer": "ACME", "amount": 1}')
    result = runner.invoke(
        app,
        [
            "start",
            "order",
            "--vars-file",
            str(vars_file),
            "--var",
            "amount=12.5",
            "--var",
            "items=[1,2]",
            "--var",
            "note=hello world",
            "--var",
            'quoted="42"',
            "--version",
            "2",
            "--json",
            *at(grpc_fake),
        ],
    )
    assert result.exit_code == 0, result.output
    _, request = grpc_fake.gateway.requests[-1]
    assert json.loads(request.variables) == {
        "customer": "ACME",
        "amount": 12.5,
        "items": [1, 2],
        "note": "hello world",
        "quoted": "42",
    }
    assert request.version == 2
    out = json.loads(result.stdout)
    assert out["processDefinitionId"] == "order" and out["processInstanceKey"].isdigit()


def test_start_wait_prints_the_result_variables(grpc_fake: GrpcFake) -> None:
    result = runner.invoke(app, ["start", "order", "--wait", "--var", "x=1", *at(grpc_fake)])
    assert result.exit_code == 0, result.output
    assert "started instance" in result.stdout
    assert '"done": true' in result.stdout


def test_exit_codes_for_unreachable_not_found_and_usage(grpc_fake: GrpcFake) -> None:
    unreachable = runner.invoke(app, ["start", "order", *down()])
    assert unreachable.exit_code == EXIT_UNREACHABLE
    assert UNREACHABLE_HINT in unreachable.stderr

    as_json = runner.invoke(app, ["start", "order", "--json", *down()])
    assert as_json.exit_code == EXIT_UNREACHABLE
    assert json.loads(as_json.stdout)["error"] == "EngineUnreachable"

    missing = runner.invoke(app, ["start", "missing", *at(grpc_fake)])
    assert missing.exit_code == EXIT_NOT_FOUND
    assert "Expected to find process definition with process ID 'missing'" in missing.stderr

    cancel = runner.invoke(app, ["cancel", "42", *at(grpc_fake)])
    assert cancel.exit_code == EXIT_NOT_FOUND

    bad_var = runner.invoke(app, ["start", "order", "--var", "no-equals-sign", *at(grpc_fake)])
    assert bad_var.exit_code == EXIT_USAGE
    assert "NAME=VALUE" in bad_var.stderr

    incomplete = runner.invoke(
        app, ["start", "order", "--client-id", "x", "--client-secret", "hunter2-secret"]
    )
    assert incomplete.exit_code == EXIT_USAGE
    assert "CAMUNDA_OAUTH_URL" in incomplete.stderr
    assert "hunter2-secret" not in incomplete.output


def test_publish_and_cancel(grpc_fake: GrpcFake) -> None:
    published = runner.invoke(
        app,
        [
            "publish",
            "payment-received",
            "--key",
            "order-7",
            "--var",
            "paid=true",
            "--ttl",
            "5m",
            *at(grpc_fake),
        ],
    )
    assert published.exit_code == 0, published.output
    _, message = grpc_fake.gateway.requests[-1]
    assert (message.correlationKey, message.timeToLive, json.loads(message.variables)) == (
        "order-7",
        300000,
        {"paid": True},
    )
    duplicate = runner.invoke(app, ["publish", "m", "--key", "k", "--message-id", "dup", *at(grpc_fake)])
    assert duplicate.exit_code == EXIT_REJECTED
    bad_ttl = runner.invoke(app, ["publish", "m", "--ttl", "soon", *at(grpc_fake)])
    assert bad_ttl.exit_code == EXIT_USAGE

    cancelled = runner.invoke(app, ["cancel", "2251799813685290", "--json", *at(grpc_fake)])
    assert cancelled.exit_code == 0
    assert json.loads(cancelled.stdout) == {"processInstanceKey": "2251799813685290", "canceled": True}


def test_status_reports_both_gateways(grpc_fake: GrpcFake, http_fake: HttpFake) -> None:
    http_fake.on("GET", "/topology", {"brokers": [], "clusterSize": 1, "gatewayVersion": "8.8.0"})
    healthy = runner.invoke(app, ["status", *at(grpc_fake, http_fake)])
    assert healthy.exit_code == 0, healthy.output
    assert "gRPC     ok" in healthy.stdout and "REST     ok" in healthy.stdout
    assert "1 LEADER" not in healthy.stdout and "1 leader/healthy" in healthy.stdout

    half = runner.invoke(app, ["status", "--json", *at(grpc_fake)])
    data = json.loads(half.stdout)
    assert half.exit_code == EXIT_UNREACHABLE
    assert (
        data["healthy"] is False
        and "grpcError" not in data
        and data["grpcTopology"]["clusterSize"] == 1
        and data["restErrorType"] == "EngineUnreachable"
    )

    both_down = runner.invoke(app, ["status", *down()])
    assert both_down.exit_code == EXIT_UNREACHABLE
    assert "FAILED" in both_down.stdout


def test_status_with_refused_credentials_is_unauthorized(grpc_fake: GrpcFake, http_fake: HttpFake) -> None:
    result = runner.invoke(
        app,
        [
            "status",
            *at(grpc_fake, http_fake),
            "--client-id",
            "nobody",
            "--client-secret",
            "wrong-secret-value",
            "--oauth-url",
            http_fake.token_url,
        ],
    )
    assert result.exit_code == EXIT_UNAUTHORIZED
    assert "wrong-secret-value" not in result.output


def test_tasks_list_claim_unclaim_complete(http_fake: HttpFake) -> None:
    task = {
        "userTaskKey": "2251799813685301",
        "name": "Approve order",
        "state": "CREATED",
        "assignee": None,
        "candidateGroups": ["sales"],
        "processInstanceKey": "2251799813685290",
    }
    http_fake.on("POST", "/user-tasks/search", {"items": [task], "page": {"totalItems": 1}})
    http_fake.on("POST", "/user-tasks/2251799813685301/assignment", None, status=204)
    http_fake.on("DELETE", "/user-tasks/2251799813685301/assignee", None, status=204)
    http_fake.on("POST", "/user-tasks/2251799813685301/completion", None, status=204)

    listed = runner.invoke(app, ["tasks", "list", "--group", "sales", "--json", *at(http_fake=http_fake)])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["items"][0]["userTaskKey"] == "2251799813685301"
    table = runner.invoke(app, ["tasks", "list", *at(http_fake=http_fake)])
    assert "Approve order" in table.stdout and "2251799813685301" in table.stdout

    assert (
        runner.invoke(
            app, ["tasks", "claim", "2251799813685301", "--assignee", "anna", *at(http_fake=http_fake)]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(app, ["tasks", "unclaim", "2251799813685301", *at(http_fake=http_fake)]).exit_code == 0
    )
    done = runner.invoke(
        app, ["tasks", "complete", "2251799813685301", "--var", "approved=true", *at(http_fake=http_fake)]
    )
    assert done.exit_code == 0, done.output
    unknown = runner.invoke(app, ["tasks", "complete", "999", *at(http_fake=http_fake)])
    assert unknown.exit_code == EXIT_NOT_FOUND

    bodies = [(c.method, c.path, c.body) for c in http_fake.rest_calls()]
    assert bodies[0][2]["filter"] == {"state": "CREATED", "candidateGroup": "sales"}
    assert (
        "POST",
        "/v2/user-tasks/2251799813685301/assignment",
        {"assignee": "anna", "allowOverride": False},
    ) in bodies
    assert ("DELETE", "/v2/user-tasks/2251799813685301/assignee", None) in bodies
    assert ("POST", "/v2/user-tasks/2251799813685301/completion", {"variables": {"approved": True}}) in bodies


def test_incidents_list_and_resolve_with_retries(http_fake: HttpFake) -> None:
    incident = {
        "incidentKey": "31",
        "jobKey": "77",
        "errorType": "JOB_NO_RETRIES",
        "errorMessage": "No more retries left.",
        "state": "ACTIVE",
        "processInstanceKey": "5",
    }
    http_fake.on("POST", "/incidents/search", {"items": [incident], "page": {"totalItems": 1}})
    http_fake.on("GET", "/incidents/31", incident)
    http_fake.on("PATCH", "/jobs/77", None, status=204)
    http_fake.on("POST", "/incidents/31/resolution", None, status=204)

    listed = runner.invoke(app, ["incidents", "list", *at(http_fake=http_fake)])
    assert listed.exit_code == 0, listed.output
    assert "JOB_NO_RETRIES" in listed.stdout and "No more retries left." in listed.stdout
    as_json = runner.invoke(app, ["incidents", "list", "--state", "any", "--json", *at(http_fake=http_fake)])
    assert json.loads(as_json.stdout)["page"]["totalItems"] == 1

    resolved = runner.invoke(app, ["incidents", "resolve", "31", "--retries", "2", *at(http_fake=http_fake)])
    assert resolved.exit_code == 0, resolved.output
    assert "job retries set to 2" in resolved.stdout
    methods = [(c.method, c.path) for c in http_fake.rest_calls()]
    assert methods[-3:] == [
        ("GET", "/v2/incidents/31"),
        ("PATCH", "/v2/jobs/77"),
        ("POST", "/v2/incidents/31/resolution"),
    ]
    searches = [c.body for c in http_fake.rest_calls() if c.path.endswith("/search")]
    assert searches[0]["filter"] == {"state": "ACTIVE"} and searches[1]["filter"] == {}


def test_instances_list_and_show(http_fake: HttpFake) -> None:
    key = "2251799813685290"
    instance = {
        "processInstanceKey": key,
        "processDefinitionId": "order",
        "processDefinitionVersion": 1,
        "state": "ACTIVE",
    }
    http_fake.on("POST", "/process-instances/search", {"items": [instance], "page": {"totalItems": 1}})
    http_fake.on("GET", f"/process-instances/{key}", instance)
    http_fake.on("POST", "/element-instances/search", {"items": [], "page": {"totalItems": 0}})
    http_fake.on("POST", "/incidents/search", {"items": [], "page": {"totalItems": 0}})
    http_fake.on(
        "POST",
        "/variables/search",
        {"items": [{"name": "amount", "value": "12.5", "scopeKey": key}], "page": {"totalItems": 1}},
    )
    listed = runner.invoke(app, ["instances", "list", "--state", "active", *at(http_fake=http_fake)])
    assert listed.exit_code == 0, listed.output
    assert key in listed.stdout
    shown = runner.invoke(app, ["instances", "show", key, "--json", *at(http_fake=http_fake)])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["instance"]["processDefinitionId"] == "order"
    assert data["variables"][0]["name"] == "amount"
    text = runner.invoke(app, ["instances", "show", key, *at(http_fake=http_fake)])
    assert "amount" in text.stdout and "no incidents" in text.stdout
    missing = runner.invoke(app, ["instances", "show", "1", *at(http_fake=http_fake)])
    assert missing.exit_code == EXIT_NOT_FOUND


def test_global_options_override_the_environment(
    monkeypatch: pytest.MonkeyPatch, grpc_fake: GrpcFake
) -> None:
    monkeypatch.setenv("ZEEBE_ADDRESS", f"127.0.0.1:{free_port()}")  # nothing there
    from_env = runner.invoke(app, ["start", "order"])
    assert from_env.exit_code == EXIT_UNREACHABLE
    overridden = runner.invoke(app, ["start", "order", "--address", grpc_fake.address])
    assert overridden.exit_code == 0, overridden.output


def test_env_file_option(tmp_path: Path, grpc_fake: GrpcFake) -> None:
    env_file = tmp_path / "cluster.env"
    env_file.write_text(f"ZEEBE_ADDRESS={grpc_fake.address}\n")
    result = runner.invoke(app, ["start", "order", "--env-file", str(env_file)])
    assert result.exit_code == 0, result.output


def test_plaintext_option_overrides_the_inverse_environment_variable(
    monkeypatch: pytest.MonkeyPatch, grpc_fake: GrpcFake
) -> None:
    monkeypatch.setenv("ZEEBE_INSECURE_CONNECTION", "false")  # i.e. TLS, which the fake does not speak
    result = runner.invoke(app, ["start", "order", "--plaintext", "--address", grpc_fake.address])
    assert result.exit_code == 0, result.output
