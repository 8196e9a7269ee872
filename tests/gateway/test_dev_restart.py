"""``autoops dev`` as a real subprocess: readiness, loopback-only binding, clean SIGTERM, restart with state."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from autoops.testing import DevProcess

from . import models


def listening_hosts(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on ``port`` (Linux /proc/net/tcp{,6})."""
    hosts: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                hosts.add(address)
    return hosts


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/net/tcp")
def test_dev_restart_keeps_running_instance(autoops_dev: Callable[..., DevProcess], tmp_path: Path) -> None:
    data = tmp_path / "data"
    dev = autoops_dev(data)
    base = dev.addresses.rest
    loopback = {"0100007F", "0000000000000000FFFF00000100007F"}  # 127.0.0.1, or as IPv4-mapped IPv6
    for port in (dev.addresses.rest_port, dev.addresses.grpc_port):
        hosts = listening_hosts(port)
        assert hosts and hosts <= loopback, hosts

    with httpx.Client(base_url=base, timeout=30) as rest:
        deployed = rest.post("/deployments", files={"resources": ("two.bpmn", models.service_chain("two", "s1", "s2"))})
        assert deployed.status_code == 200, deployed.text
        created = rest.post("/process-instances", json={"processDefinitionId": "two", "variables": {"step": 0}}).json()
        key = created["processInstanceKey"]
        jobs = rest.post("/jobs/activation", json={"type": "s1", "worker": "t", "timeout": 60_000,
                                                   "maxJobsToActivate": 1, "requestTimeout": -1}).json()["jobs"]
        assert len(jobs) == 1
        assert rest.post(f"/jobs/{jobs[0]['jobKey']}/completion", json={"variables": {"step": 1}}).status_code == 204

    assert dev.stop() == 0  # SIGTERM: clean exit
    assert (data / "engine.db").exists()

    again = autoops_dev(data)
    with httpx.Client(base_url=again.addresses.rest, timeout=30) as rest:
        instance = rest.get(f"/process-instances/{key}").json()
        assert instance["state"] == "ACTIVE"
        jobs = rest.post("/jobs/activation", json={"type": "s2", "worker": "t", "timeout": 60_000,
                                                   "maxJobsToActivate": 1, "requestTimeout": -1}).json()["jobs"]
        assert len(jobs) == 1 and jobs[0]["processInstanceKey"] == key
        assert jobs[0]["variables"] == {"step": 1}
        assert rest.post(f"/jobs/{jobs[0]['jobKey']}/completion", json={"variables": {"step": 2}}).status_code == 204
        assert rest.get(f"/process-instances/{key}").json()["state"] == "COMPLETED"
        definitions = rest.post("/process-definitions/search", json={}).json()
        assert [d["processDefinitionId"] for d in definitions["items"]] == ["two"]
    assert again.stop() == 0


def test_dev_port_in_use_exits_with_message(tmp_path: Path) -> None:
    import socket
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "autoops", "dev", "--in-memory", "--grpc-port", str(port), "--rest-port", "0"],
            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot bind the gRPC gateway to 127.0.0.1:{port}" in result.stderr
