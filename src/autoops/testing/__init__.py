"""Test support for autoops users: the engine on real sockets, in-process or as ``autoops dev``.

The pytest fixtures live in :mod:`autoops.testing.pytest_plugin`.
"""

from autoops.engine.server import EngineServer, ServerAddresses
from autoops.testing._dev_process import DevProcess, DevProcessError, free_port, run_dev

__all__ = ["DevProcess", "DevProcessError", "EngineServer", "ServerAddresses", "free_port", "run_dev"]
