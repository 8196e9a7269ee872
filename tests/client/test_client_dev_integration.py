"""Every operator command against the embedded engine (`autoops dev` in a subprocess on 127.0.0.1).

The engine is reached over the network exactly like a Camunda 8.8 cluster: the CLI speaks gRPC to its
Zeebe gateway and REST v2 to its API. Jobs are driven through the documented REST job endpoints so the
test needs no worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from client_fakes import free_port
from typer.testing import CliRunner

from autoops.cli import app
from autoops.cli._common import EXIT_NOT_FOUND, EXIT_REJECTED, EXIT_UNREACHABLE


def _has_dev_command() -> bool:
    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    return "dev" in names


pytestmark = pytest.mark.skipif(not _has_dev_command(), reason="`autoops dev` is not available in this tree")

runner = CliRunner(env={"COLUMNS": "250"})

APPROVAL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="http://example.com/approval">
  <bpmn:process id="approval" name="Approval" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="approve" name="Approve order">
      <bpmn:extensionElements>
        <zeebe:userTask />
        <zeebe:assignmentDefinition candidateGroups="sales" />
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:serviceTask id="ship" name="Ship">
      <bpmn:extensionElements><zeebe:taskDefinition type="ship" retries="1" /></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="ship" />
    <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""

QUICK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs2"
    targetNamespace="http://example.com/quick">
  <bpmn:process id="quick" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>q1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="e"><bpmn:incoming>q1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="q1" sourceRef="s" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""


@dataclass
class Dev:
    grpc: str
    rest: str

    @property
    def args(self) -> list[str]:
        return ["--address", self.grpc, "--rest-address", self.rest]


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    """One engine for the module: the tests use distinct process ids, so they do not interfere."""
    tmp_path = tmp_path_factory.mktemp("dev")
    grpc_port, rest_port = free_port(), free_port()
    log = (tmp_path / "dev.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autoops",
            "dev",
            "--in-memory",
            "--host",
            "127.0.0.1",
            "--grpc-port",
            str(grpc_port),
            "--rest-port",
            str(rest_port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    rest = f"http://127.0.0.1:{rest_port}/v2"
    deadline = time.monotonic() + 30
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"autoops dev exited early:\n{(tmp_path / 'dev.log').read_text()}")
            try:
                if httpx.get(f"{rest}/topology", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"autoops dev did not become ready:\n{(tmp_path / 'dev.log').read_text()}")
            time.sleep(0.1)
        yield Dev(grpc=f"127.0.0.1:{grpc_port}", rest=rest)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def cli(dev: Dev, *args: str, code: int = 0) -> Any:
    """Run a command with --json against the engine; return the parsed output."""
    result = runner.invoke(app, [*args, "--json", *dev.args])
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return json.loads(result.stdout) if result.stdout.strip() else None


def text(dev: Dev, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, [*args, *dev.args])
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return result.stdout + result.stderr


def eventually(check: Any, what: str, timeout: float = 10.0) -> Any:
    """Poll until ``check()`` returns something truthy (the engine processes commands asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def rest_post(dev: Dev, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{dev.rest}{path}", json=body, timeout=15)


def activate_ship_job(dev: Dev, what: str) -> Any:
    """The instance's 'ship' job, activated over REST once the engine has created it."""
    body = {
        "type": "ship",
        "worker": "test",
        "timeout": 60000,
        "maxJobsToActivate": 1,
        "requestTimeout": 1000,
    }
    return eventually(lambda: rest_post(dev, "/jobs/activation", body).json()["jobs"], what)


def test_every_command_against_the_embedded_engine(dev: Dev, tmp_path: Path) -> None:
    (tmp_path / "approval.bpmn").write_text(APPROVAL)
    (tmp_path / "quick.bpmn").write_text(QUICK)

    # status
    status = cli(dev, "status")
    assert status["healthy"] is True
    assert "gRPC     ok" in text(dev, "status")

    # deploy: text and JSON, one deployment for both files
    deployed = cli(dev, "deploy", str(tmp_path / "approval.bpmn"), str(tmp_path / "quick.bpmn"))
    versions = {d["id"]: d["version"] for d in deployed["deployments"]}
    assert versions == {"approval": 1, "quick": 1}
    assert "approval" in text(dev, "deploy", str(tmp_path / "approval.bpmn"))  # unchanged: same version

    # start with --wait on a process that completes at once
    waited = cli(dev, "start", "quick", "--var", "n=41", "--wait")
    assert waited["variables"] == {"n": 41}

    # start the approval process and find it
    started = cli(dev, "start", "approval", "--var", 'orderId="A-1"', "--var", "amount=12.5")
    key = started["processInstanceKey"]
    listed = eventually(
        lambda: [
            i
            for i in cli(dev, "instances", "list", "--process-id", "approval")["items"]
            if i["processInstanceKey"] == key
        ],
        "the instance in the search",
    )
    assert listed[0]["state"] == "ACTIVE"
    assert key in text(dev, "instances", "list", "--state", "active")

    # user task: list, claim, unclaim, complete
    task = eventually(lambda: cli(dev, "tasks", "list", "--process-instance", key)["items"], "the user task")[
        0
    ]
    task_key = task["userTaskKey"]
    assert task["elementId"] == "approve"
    assert "Approve order" in text(dev, "tasks", "list", "--group", "sales")
    assert "assigned to anna" in text(dev, "tasks", "claim", task_key, "--assignee", "anna")
    assert eventually(lambda: cli(dev, "tasks", "list", "--assignee", "anna")["items"], "the assignment")
    cli(dev, "tasks", "unclaim", task_key)
    cli(dev, "tasks", "complete", task_key, "--var", "approved=true")

    # the service task: fail its job with no retries left -> incident
    jobs = activate_ship_job(dev, "the ship job")
    job_key = jobs[0]["jobKey"]
    assert (
        rest_post(dev, f"/jobs/{job_key}/failure", {"retries": 0, "errorMessage": "carrier down"}).status_code
        == 204
    )
    incidents = eventually(
        lambda: cli(dev, "incidents", "list", "--process-instance", key)["items"], "the incident"
    )
    assert incidents[0]["errorType"] == "JOB_NO_RETRIES"
    assert "carrier down" in text(dev, "incidents", "list")
    shown = cli(dev, "instances", "show", key)
    assert shown["instance"]["hasIncident"] is True
    assert {v["name"] for v in shown["variables"]} >= {"orderId", "amount", "approved"}
    assert "ship" in {e["elementId"] for e in shown["elementInstances"]}
    shown_text = text(dev, "instances", "show", key)
    assert "has incident" in shown_text and "JOB_NO_RETRIES" in shown_text and "orderId" in shown_text

    # resolve with retries, then complete the job
    cli(dev, "incidents", "resolve", incidents[0]["incidentKey"], "--retries", "1")
    jobs = activate_ship_job(dev, "the ship job again")
    assert (
        rest_post(dev, f"/jobs/{jobs[0]['jobKey']}/completion", {"variables": {"shipped": True}}).status_code
        == 204
    )

    done = eventually(
        lambda: (i := cli(dev, "instances", "show", key)["instance"])["state"] == "COMPLETED" and i,
        "completion",
    )
    assert done["state"] == "COMPLETED"

    # cancel another instance
    other = cli(dev, "start", "approval", "--var", 'orderId="A-2"')["processInstanceKey"]
    assert "canceled" in text(dev, "cancel", other)
    assert eventually(
        lambda: cli(dev, "instances", "show", other)["instance"]["state"] == "TERMINATED", "the cancellation"
    )


def test_publish_against_the_embedded_engine(dev: Dev) -> None:
    probe = runner.invoke(
        app, ["publish", "paid", "--key", "A-1", "--ttl", "10s", "--message-id", "m-1", "--json", *dev.args]
    )
    if probe.exit_code != 0 and json.loads(probe.stdout).get("code") == "UNIMPLEMENTED":
        pytest.skip(
            f"the embedded engine does not publish messages yet: {json.loads(probe.stdout)['message']}"
        )
    assert probe.exit_code == 0, probe.stdout
    assert json.loads(probe.stdout)["messageKey"].isdigit()
    # buffered for its TTL (no subscription waits for it), so the same id is a duplicate
    duplicate = cli(dev, "publish", "paid", "--key", "A-1", "--message-id", "m-1", code=EXIT_REJECTED)
    assert duplicate["code"] == "ALREADY_EXISTS"
    assert "published message 'paid'" in text(dev, "publish", "paid", "--key", "A-2", "--var", "paid=true")


def test_errors_against_the_embedded_engine(dev: Dev, tmp_path: Path) -> None:
    missing = cli(dev, "start", "no-such-process", code=EXIT_NOT_FOUND)
    assert "no-such-process" in missing["detail"]
    assert cli(dev, "tasks", "complete", "2251799813685999", code=EXIT_NOT_FOUND)["error"] == "NotFound"
    assert cli(dev, "cancel", "2251799813685999", code=EXIT_NOT_FOUND)["error"] == "NotFound"
    assert cli(dev, "incidents", "resolve", "2251799813685999", code=EXIT_NOT_FOUND)["error"] == "NotFound"

    broken = tmp_path / "broken.bpmn"
    broken.write_text(
        APPROVAL.replace('<zeebe:taskDefinition type="ship" retries="1" />', "").replace(
            'id="approval"', 'id="broken-approval"'
        )
    )
    out = text(dev, "deploy", str(broken), code=EXIT_REJECTED)
    assert "nothing was deployed" in out
    # and nothing reached the engine: no definition with that id exists
    assert (
        httpx.post(
            f"{dev.rest}/process-definitions/search",
            json={"filter": {"processDefinitionId": "broken-approval"}},
        ).json()["items"]
        == []
    )

    down = ["--address", f"127.0.0.1:{free_port()}", "--rest-address", f"http://127.0.0.1:{free_port()}/v2"]
    result = runner.invoke(app, ["instances", "list", *down])
    assert result.exit_code == EXIT_UNREACHABLE


def test_library_operations_against_the_embedded_engine(dev: Dev, tmp_path: Path) -> None:
    from autoops.client import Settings, SyncCamundaClient

    model = tmp_path / "library.bpmn"
    model.write_text(APPROVAL.replace('id="approval"', 'id="library"'))
    settings = Settings.load(grpc_address=dev.grpc, rest_address=dev.rest)
    with SyncCamundaClient(settings) as client:
        deployed = client.deploy(model)
        definition_key = deployed.deployments[0].definition_key
        found = client.search_process_definitions(process_definition_id="library")
        assert [d.process_definition_key for d in found.items] == [definition_key]
        assert client.process_definition_xml(definition_key) == model.read_text()

        instance = client.start("library", {"orderId": "L-1"})
        client.set_variables(instance.process_instance_key, {"note": "rush", "amount": 3})
        details = eventually(
            lambda: (
                (d := client.process_instance_details(instance.process_instance_key))
                and {v.name for v in d.variables} >= {"orderId", "note", "amount"}
                and d
            ),
            "the new variables",
        )
        values = {v.name: v.value for v in details.variables}
        assert (values["note"], values["amount"]) == ('"rush"', "3")
        topology = client.topology()
        assert topology.partitions_count == 1 and topology.brokers[0].partitions[0].role == "leader"
