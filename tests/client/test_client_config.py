"""Settings resolution: Camunda's variable names, .env, argument precedence, profiles, secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import structlog
from client_fakes import CLIENT_SECRET
from pydantic import ValidationError

from autoops.config import ConfigError, Settings


def test_no_configuration_means_the_local_engine() -> None:
    s = Settings.load()
    assert s.profile == "local"
    assert s.grpc_address == "127.0.0.1:26500"
    assert s.rest_address == "http://127.0.0.1:8080/v2"
    assert s.secure is False
    assert s.auth_strategy == "NONE"


def test_camunda_variable_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_ADDRESS", "zeebe.internal:26500")
    monkeypatch.setenv("ZEEBE_REST_ADDRESS", "http://zeebe.internal:8080")
    monkeypatch.setenv("ZEEBE_CLIENT_ID", "legacy-id")
    monkeypatch.setenv("ZEEBE_CLIENT_SECRET", "legacy-secret")
    monkeypatch.setenv("ZEEBE_AUTHORIZATION_SERVER_URL", "http://keycloak/realms/camunda/token")
    monkeypatch.setenv("CAMUNDA_TOKEN_AUDIENCE", "orchestration-api")
    monkeypatch.setenv("CAMUNDA_TENANT_ID", "tenant-a")
    s = Settings.load()
    assert s.profile == "self-managed"
    assert s.grpc_address == "zeebe.internal:26500"
    # The SDKs append /v2 to a REST address that lacks it.
    assert s.rest_address == "http://zeebe.internal:8080/v2"
    assert s.auth_strategy == "OAUTH"
    assert s.client_id == "legacy-id"
    assert s.client_secret is not None and s.client_secret.get_secret_value() == "legacy-secret"
    assert s.oauth_url == "http://keycloak/realms/camunda/token"
    assert s.token_audience == "orchestration-api"
    assert s.tenant_id == "tenant-a"


def test_newer_names_win_over_legacy_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_GRPC_ADDRESS", "grpc://new-host:26500")
    monkeypatch.setenv("ZEEBE_ADDRESS", "old-host:26500")
    monkeypatch.setenv("CAMUNDA_REST_ADDRESS", "http://new-host:8080/v2")
    monkeypatch.setenv("ZEEBE_REST_ADDRESS", "http://old-host:8080/v2")
    monkeypatch.setenv("CAMUNDA_CLIENT_ID", "new-id")
    monkeypatch.setenv("ZEEBE_CLIENT_ID", "old-id")
    monkeypatch.setenv("CAMUNDA_CLIENT_SECRET", "x")
    monkeypatch.setenv("CAMUNDA_OAUTH_URL", "http://idp/token")
    s = Settings.load()
    assert s.grpc_address == "new-host:26500"
    assert s.rest_address == "http://new-host:8080/v2"
    assert s.client_id == "new-id"


def test_grpcs_scheme_means_tls_and_rest_exact_keeps_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_GRPC_ADDRESS", "grpcs://zeebe.example.com")
    monkeypatch.setenv("CAMUNDA_REST_ADDRESS", "https://gw.example.com/orchestration")
    monkeypatch.setenv("CAMUNDA_REST_ADDRESS_EXACT", "true")
    s = Settings.load()
    assert s.secure is True
    assert s.grpc_address == "zeebe.example.com:443"
    assert s.rest_address == "https://gw.example.com/orchestration"


def test_dotenv_is_read_and_environment_and_arguments_take_precedence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "ZEEBE_ADDRESS=from-dotenv:1\nZEEBE_REST_ADDRESS=http://from-dotenv:2/v2\nCAMUNDA_TENANT_ID=dotenv-tenant\n"
    )
    s = Settings.load()
    assert (s.grpc_address, s.rest_address, s.tenant_id) == (
        "from-dotenv:1",
        "http://from-dotenv:2/v2",
        "dotenv-tenant",
    )

    monkeypatch.setenv("ZEEBE_ADDRESS", "from-env:3")
    s = Settings.load()
    assert s.grpc_address == "from-env:3"
    assert s.rest_address == "http://from-dotenv:2/v2"  # untouched by the environment

    # Arguments beat both; an argument given as None does not shadow the environment.
    s = Settings.load(grpc_address="from-arg:4", rest_address=None)
    assert s.grpc_address == "from-arg:4"
    assert s.rest_address == "http://from-dotenv:2/v2"

    # A different file, or none at all.
    other = tmp_path / "other.env"
    other.write_text("CAMUNDA_TENANT_ID=other-tenant\n")
    assert Settings.load(env_file=other).tenant_id == "other-tenant"
    assert Settings.load(env_file=None).tenant_id is None


def test_saas_addresses_are_derived_from_cluster_id_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMUNDA_CLUSTER_ID", "7c3f2a1b-0000-4e1d-9abc-123456789abc")
    monkeypatch.setenv("CAMUNDA_CLUSTER_REGION", "jfk-1")
    monkeypatch.setenv("CAMUNDA_CLIENT_ID", "saas-client")
    monkeypatch.setenv("CAMUNDA_CLIENT_SECRET", "saas-secret")
    s = Settings.load()
    assert s.profile == "saas"
    assert s.grpc_address == "7c3f2a1b-0000-4e1d-9abc-123456789abc.jfk-1.zeebe.camunda.io:443"
    assert s.rest_address == "https://jfk-1.zeebe.camunda.io:443/7c3f2a1b-0000-4e1d-9abc-123456789abc/v2"
    assert s.secure is True
    assert s.auth_strategy == "OAUTH"
    assert s.oauth_url == "https://login.cloud.camunda.io/oauth/token"
    assert s.token_audience == "zeebe.camunda.io"


def test_saas_without_credentials_names_the_missing_variables() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.load(cluster_id="abc", cluster_region="bru-2")
    assert "CAMUNDA_CLIENT_ID" in str(info.value)
    assert "CAMUNDA_CLIENT_SECRET" in str(info.value)
    with pytest.raises(ConfigError, match="CAMUNDA_CLUSTER_ID"):
        Settings.load(profile="saas")


def test_self_managed_oauth_needs_the_token_url() -> None:
    with pytest.raises(ConfigError, match="CAMUNDA_OAUTH_URL"):
        Settings.load(client_id="id", client_secret="secret")


def test_basic_auth_is_inferred_and_checked() -> None:
    s = Settings.load(basic_auth_username="demo", basic_auth_password="demo-pw")
    assert (s.profile, s.auth_strategy) == ("self-managed", "BASIC")
    with pytest.raises(ConfigError, match="CAMUNDA_BASIC_AUTH_PASSWORD"):
        Settings.load(auth_strategy="basic", basic_auth_username="demo")


def test_contradictory_or_malformed_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMUNDA_SECURE_CONNECTION", "true")
    monkeypatch.setenv("ZEEBE_INSECURE_CONNECTION", "true")
    with pytest.raises(ConfigError, match="ZEEBE_INSECURE_CONNECTION"):
        Settings.load()
    monkeypatch.delenv("CAMUNDA_SECURE_CONNECTION")
    assert Settings.load().secure is False
    with pytest.raises(ConfigError, match="scheme"):
        Settings.load(grpc_address="ftp://host:1")
    with pytest.raises(ConfigError, match="http"):
        Settings.load(rest_address="ftp://host/v2")


def test_secrets_stay_out_of_repr_str_summary_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    s = Settings.load(
        client_id="id",
        client_secret=CLIENT_SECRET,
        oauth_url="http://idp/token",
        basic_auth_password=CLIENT_SECRET,
    )
    rendered = [repr(s), str(s), str(s.describe()), s.model_dump_json(), str(s.model_dump())]
    for text in rendered:
        assert CLIENT_SECRET not in text
    assert s.client_secret is not None and s.client_secret.get_secret_value() == CLIENT_SECRET

    # A malformed neighbouring value: pydantic's message must not echo the inputs.
    with pytest.raises(ValidationError) as info:
        Settings.load(
            client_id="id", client_secret=CLIENT_SECRET, oauth_url="http://idp/t", request_timeout="soon"
        )
    assert CLIENT_SECRET not in str(info.value)
    assert "request_timeout" in str(info.value)

    # An incomplete combination: the ConfigError names variables, never values.
    with pytest.raises(ConfigError) as config_error:
        Settings.load(client_secret=CLIENT_SECRET)
    assert CLIENT_SECRET not in str(config_error.value)

    # And logging a settings object (structlog or stdlib) leaks nothing.
    with structlog.testing.capture_logs() as captured, caplog.at_level(logging.DEBUG):
        structlog.get_logger().info("settings", settings=s)
        logging.getLogger("autoops.test").info("settings %r", s)
    assert CLIENT_SECRET not in repr(captured)
    assert CLIENT_SECRET not in caplog.text


def test_a_missing_ca_file_is_a_configuration_error(tmp_path: Path) -> None:
    from autoops.client import CamundaClient

    settings = Settings.load(grpc_address="grpcs://localhost:1", ca_certificate_path=tmp_path / "nope.pem")
    with pytest.raises(ConfigError, match=r"nope\.pem"):
        CamundaClient(settings)


@pytest.mark.parametrize(
    ("given", "address", "secure"),
    [
        ("zeebe:26500", "zeebe:26500", False),
        ("grpc://zeebe:26500", "zeebe:26500", False),
        ("dns:///zeebe:26500", "zeebe:26500", False),
        ("zeebe", "zeebe:26500", False),
        ("grpcs://zeebe", "zeebe:443", True),
        ("https://zeebe:8443/", "zeebe:8443", True),
    ],
)
def test_grpc_address_forms(given: str, address: str, secure: bool) -> None:
    s = Settings.load(grpc_address=given)
    assert (s.grpc_address, s.secure) == (address, secure)
