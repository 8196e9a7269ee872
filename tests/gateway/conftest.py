"""Gateway tests use the public autoops.testing fixtures.

``pytest_plugins`` is only honoured in the root conftest, so the fixtures are imported here; once
the ``pytest11`` entry point is registered this import becomes redundant but harmless.
"""

from autoops.testing.pytest_plugin import (  # noqa: F401
    autoops_addresses,
    autoops_clock,
    autoops_dev,
    autoops_server,
    zeebe_client,
)
