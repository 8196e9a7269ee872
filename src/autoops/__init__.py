"""autoops: automate business operations on Camunda 8 / Zeebe.

The public surface is small on purpose; the wings live in their own packages:
``autoops.bpmn`` (read and validate models), ``autoops.feel`` (expressions),
``autoops.engine`` (the embedded Zeebe-compatible engine), ``autoops.client``,
``autoops.worker``, ``autoops.forecast`` and ``autoops.notify``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("autoops")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]
