"""Structure of docker-compose.camunda.yml: Docker cannot run here, so the file itself is checked."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from autoops.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.camunda.yml"
EXACT_TAG = re.compile(r"^(?P<repo>[a-z0-9./_-]+):(?P<version>\d+\.\d+\.\d+)$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def env(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment", {})
    if isinstance(raw, list):
        return dict(item.split("=", 1) for item in raw)
    return {str(k): str(v) for k, v in raw.items()}


def published(service: dict[str, Any]) -> dict[int, int]:
    """host port -> container port."""
    out = {}
    for mapping in service.get("ports", []):
        host, _, container = str(mapping).rpartition(":")
        out[int(host.rsplit(":", 1)[-1])] = int(container.split("/")[0])
    return out


def test_services_are_the_lightweight_stack(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"orchestration", "connectors", "elasticsearch"}


def test_images_are_pinned_to_exact_versions(compose: dict[str, Any]) -> None:
    versions = {}
    for name, service in compose["services"].items():
        match = EXACT_TAG.match(service["image"])
        assert match, f"{name}: image {service['image']!r} is not pinned to an exact x.y.z tag"
        versions[match["repo"]] = tuple(int(p) for p in match["version"].split("."))
    assert versions["camunda/camunda"][:2] == (8, 8)
    assert versions["camunda/connectors-bundle"][:2] == (8, 8)
    assert versions["docker.elastic.co/elasticsearch/elasticsearch"][0] == 8
    assert "${" not in COMPOSE.read_text(encoding="utf-8")  # nothing left to an .env file


def test_ports_match_camundas_own_compose(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert published(services["orchestration"]) == {26500: 26500, 8088: 8080, 9600: 9600}
    assert published(services["connectors"]) == {8086: 8080}
    assert published(services["elasticsearch"]) == {9200: 9200}
    hosts = [port for s in services.values() for port in published(s)]
    assert len(hosts) == len(set(hosts)), "two services publish the same host port"


def test_orchestration_environment(compose: dict[str, Any]) -> None:
    variables = env(compose["services"]["orchestration"])
    assert variables["CAMUNDA_DATA_SECONDARYSTORAGE_TYPE"] == "elasticsearch"
    assert variables["CAMUNDA_DATA_SECONDARYSTORAGE_ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
    assert variables["CAMUNDA_SECURITY_AUTHENTICATION_UNPROTECTEDAPI"] == "true"
    assert variables["CAMUNDA_SECURITY_AUTHENTICATION_METHOD"] == "basic"
    assert variables["CAMUNDA_SECURITY_INITIALIZATION_USERS_0_USERNAME"] == "demo"
    assert variables["CAMUNDA_DATABASE_INDEX_NUMBEROFREPLICAS"] == "0"
    es = env(compose["services"]["elasticsearch"])
    assert es["discovery.type"] == "single-node"
    assert es["xpack.security.enabled"] == "false"


def test_connectors_reach_the_orchestration_container_ports(compose: dict[str, Any]) -> None:
    variables = env(compose["services"]["connectors"])
    container_ports = set(published(compose["services"]["orchestration"]).values())
    for key in ("CAMUNDA_CLIENT_GRPCADDRESS", "CAMUNDA_CLIENT_RESTADDRESS"):
        host, port = re.match(r"^https?://([^:/]+):(\d+)$", variables[key]).groups()  # type: ignore[union-attr]
        assert host == "orchestration"
        assert int(port) in container_ports
    assert variables["CAMUNDA_CLIENT_MODE"] == "self-managed"


def test_start_order_and_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["orchestration"]["depends_on"] == {"elasticsearch": {"condition": "service_healthy"}}
    assert services["connectors"]["depends_on"] == {"orchestration": {"condition": "service_healthy"}}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in compose["volumes"], f"{name}: undeclared volume {volume}"
        assert service["networks"] == ["camunda"]


def test_documented_addresses_reach_the_published_ports(compose: dict[str, Any]) -> None:
    # The environment docs/real-camunda.md tells users to export, resolved by autoops' own settings.
    settings = Settings(grpc_address="127.0.0.1:26500", rest_address="http://127.0.0.1:8088")
    ports = published(compose["services"]["orchestration"])
    assert int(settings.grpc_address.rsplit(":", 1)[1]) in ports
    assert settings.rest_address == "http://127.0.0.1:8088/v2"
    doc = (ROOT / "docs" / "real-camunda.md").read_text(encoding="utf-8")
    assert "ZEEBE_GRPC_ADDRESS=127.0.0.1:26500" in doc
    assert "ZEEBE_REST_ADDRESS=http://127.0.0.1:8088" in doc
    assert "docker compose -f docker-compose.camunda.yml up -d" in doc


def _compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _compose_plugin(), reason="the docker compose plugin is not installed")
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
