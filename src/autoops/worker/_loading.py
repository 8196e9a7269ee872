"""Find the worker to run from ``MODULE[:ATTR]``, the way ``uvicorn module:app`` finds its app.

Without ``:ATTR`` the module's single :class:`Worker` is used; failing that, its routers (and, for a
package, those of its direct submodules) are gathered into a new worker, so a ``workers/`` package of
one router per module runs with ``autoops worker workers``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from pyzeebe import ZeebeTaskRouter

from autoops.worker._errors import WorkerLoadError
from autoops.worker._worker import Router, Worker

__all__ = ["load_worker"]


def _import(name: str) -> ModuleType:
    importlib.invalidate_caches()
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (name == missing or name.startswith(missing + ".")):
            raise WorkerLoadError(
                f"cannot import {name!r}: no such module in the working directory ({Path.cwd()}) or on "
                "sys.path; give a module path such as 'workers' or 'myapp.workers'"
            ) from None
        raise WorkerLoadError(f"importing {name!r} failed: it needs the module {missing!r}, which is not installed") from exc
    except Exception as exc:
        raise WorkerLoadError(f"importing {name!r} failed: {type(exc).__name__}: {exc}") from exc


def _as_worker(obj: Any, where: str) -> Worker:
    if isinstance(obj, Worker):
        return obj
    if isinstance(obj, Router | ZeebeTaskRouter):
        worker = Worker()
        worker.include_router(obj)
        return worker
    if isinstance(obj, list | tuple) and obj and all(isinstance(o, Router | ZeebeTaskRouter) for o in obj):
        worker = Worker()
        worker.include_router(*obj)
        return worker
    if callable(obj):
        produced = obj()
        if isinstance(produced, Worker):
            return produced
        raise WorkerLoadError(f"{where} is callable but returned {type(produced).__name__}, not a Worker")
    raise WorkerLoadError(
        f"{where} is a {type(obj).__name__}; expected a Worker, a Router, a list of routers or a function "
        "returning a Worker"
    )


def _members(module: ModuleType) -> tuple[list[tuple[str, Worker]], list[Router | ZeebeTaskRouter]]:
    workers: dict[int, tuple[str, Worker]] = {}
    routers: dict[int, Router | ZeebeTaskRouter] = {}
    for name, value in vars(module).items():
        if isinstance(value, Worker):
            workers.setdefault(id(value), (name, value))
        elif isinstance(value, Router | ZeebeTaskRouter):
            routers.setdefault(id(value), value)
    return list(workers.values()), list(routers.values())


def load_worker(spec: str) -> Worker:
    """The :class:`Worker` named by ``MODULE[:ATTR]`` (see the module docstring)."""
    module_name, _, attribute = spec.partition(":")
    module_name = module_name.strip()
    if not module_name:
        raise WorkerLoadError(f"{spec!r} names no module; use MODULE or MODULE:ATTR, e.g. 'workers:worker'")
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    module = _import(module_name)

    if attribute:
        obj: Any = module
        for part in attribute.split("."):
            if not hasattr(obj, part):
                raise WorkerLoadError(f"module {module_name!r} has no attribute {attribute!r}")
            obj = getattr(obj, part)
        return _as_worker(obj, f"{module_name}:{attribute}")

    workers, routers = _members(module)
    if not workers and not routers and hasattr(module, "__path__"):
        for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            sub_workers, sub_routers = _members(_import(f"{module_name}.{info.name}"))
            workers += [(f"{info.name}.{name}", w) for name, w in sub_workers]
            routers += sub_routers
    if len(workers) == 1:
        return workers[0][1]
    if len(workers) > 1:
        names = ", ".join(name for name, _ in workers)
        raise WorkerLoadError(
            f"{module_name!r} defines several workers ({names}); choose one with {module_name}:NAME"
        )
    if routers:
        worker = Worker()
        worker.include_router(*routers)
        return worker
    raise WorkerLoadError(
        f"{module_name!r} defines no Worker and no Router; declare handlers with worker = Worker() and "
        "@worker.task(...), or with routers"
    )
