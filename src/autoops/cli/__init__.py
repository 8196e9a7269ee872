"""The ``autoops`` command line.

Each module of this package that defines ``register(app)`` adds its commands; modules keep their
heavy imports inside the command functions so that ``autoops --help`` stays fast.
"""

from autoops.cli.app import app, main

__all__ = ["app", "main"]
