"""Declaring handlers, configuration checks, and finding the worker of ``autoops worker MODULE[:ATTR]``."""

import logging
import sys
import textwrap
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import structlog
from pyzeebe import ZeebeTaskRouter

from autoops.worker import (
    Idempotency,
    Router,
    TaskConfig,
    Worker,
    WorkerConfig,
    WorkerConfigError,
    WorkerLoadError,
    load_worker,
)


def test_decorator_registers_and_returns_the_function_unchanged() -> None:
    worker = Worker()

    @worker.task("order.check", timeout=2.5, max_jobs=4, idempotency=True)
    def check(quantity: int) -> dict[str, bool]:
        return {"ok": quantity > 0}

    assert check(3) == {"ok": True}
    (definition,) = worker.tasks
    assert definition.type == "order.check"
    assert definition.config.timeout == timedelta(seconds=2.5)
    assert definition.config.max_jobs == 4
    assert definition.config.idempotency == Idempotency()
    assert definition.fetch_variables == ("quantity", "_autoops_attempt")


def test_duplicate_job_types_are_refused() -> None:
    worker = Worker()
    router = Router()

    @worker.task("a")
    def first() -> None: ...

    @router.task("a")
    def second() -> None: ...

    with pytest.raises(WorkerConfigError, match="'a' is registered twice"):
        worker.include_router(router)
    with pytest.raises(WorkerConfigError, match="already has the handler"):
        worker.task("a")(second)


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: WorkerConfig(concurrency=0), "concurrency"),
        (lambda: WorkerConfig(job_timeout=timedelta(0)), "job_timeout"),
        (lambda: WorkerConfig(lease_renew_fraction=0.99), "lease_renew_fraction"),
        (lambda: WorkerConfig(metrics_port=70000), "metrics_port"),
        (lambda: WorkerConfig(name=" "), "name"),
        (lambda: TaskConfig(type=""), "job type"),
        (lambda: TaskConfig(type="t", max_jobs=0), "max_jobs"),
        (lambda: TaskConfig(type="t", timeout=timedelta(0)), "timeout"),
    ],
)
def test_bad_configuration_fails_where_it_is_written(build: object, fragment: str) -> None:
    with pytest.raises(WorkerConfigError, match=fragment):
        build()  # type: ignore[operator]


def test_timeouts_must_be_durations() -> None:
    with pytest.raises(WorkerConfigError, match="timedelta or a number of seconds"):
        Worker().task("t", timeout="10s")  # type: ignore[arg-type]


async def test_running_without_tasks_is_an_error() -> None:
    from autoops.worker import WorkerError

    with pytest.raises(WorkerError, match="no tasks"):
        await Worker().run()


# ------------------------------------------------------------------------------------------ loading


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A fresh importable directory (cwd) and a unique package name, removed from sys.modules after."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    name = f"wk_{uuid.uuid4().hex[:8]}"
    yield tmp_path, name
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def _write(path: Path, source: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))


def test_load_the_single_worker_of_a_module(project: tuple[Path, str]) -> None:
    root, name = project
    _write(
        root / f"{name}.py",
        """
        from autoops.worker import Worker
        worker = Worker()
        alias = worker
        @worker.task("a")
        def a() -> None: ...
        """,
    )
    loaded = load_worker(name)
    assert [t.type for t in loaded.tasks] == ["a"]
    assert load_worker(f"{name}:alias") is loaded


def test_routers_of_a_package_and_its_submodules_are_gathered(project: tuple[Path, str]) -> None:
    root, name = project
    _write(root / name / "__init__.py", "")
    _write(
        root / name / "orders.py",
        """
        from autoops.worker import Router
        router = Router()
        @router.task("order.check")
        async def check(quantity: int) -> None: ...
        """,
    )
    _write(
        root / name / "legacy.py",
        """
        from pyzeebe import ZeebeTaskRouter
        router = ZeebeTaskRouter()
        @router.task("legacy.task")
        async def legacy(x: int) -> dict: return {}
        """,
    )
    loaded = load_worker(name)
    assert [t.type for t in loaded.tasks] == ["order.check"]
    assert [type(r) for r in loaded._pyzeebe_routers] == [ZeebeTaskRouter]


def test_attribute_forms(project: tuple[Path, str]) -> None:
    root, name = project
    _write(
        root / f"{name}.py",
        """
        from autoops.worker import Router, Worker
        r1, r2 = Router(), Router()
        @r1.task("one")
        def one() -> None: ...
        @r2.task("two")
        def two() -> None: ...
        routers = [r1, r2]
        def make() -> Worker:
            return Worker(routers=[r1])
        number = 7
        """,
    )
    assert sorted(t.type for t in load_worker(f"{name}:routers").tasks) == ["one", "two"]
    assert [t.type for t in load_worker(f"{name}:make").tasks] == ["one"]
    assert [t.type for t in load_worker(f"{name}:r2").tasks] == ["two"]
    with pytest.raises(WorkerLoadError, match="is a int"):
        load_worker(f"{name}:number")
    with pytest.raises(WorkerLoadError, match="has no attribute 'missing'"):
        load_worker(f"{name}:missing")


def test_load_errors_say_what_to_do(project: tuple[Path, str]) -> None:
    root, name = project
    with pytest.raises(WorkerLoadError, match="no such module"):
        load_worker(name)
    _write(root / f"{name}.py", "import not_installed_dependency_xyz\n")
    with pytest.raises(WorkerLoadError, match="'not_installed_dependency_xyz', which is not installed"):
        load_worker(name)
    sys.modules.pop(name, None)
    _write(root / f"{name}.py", "x = 1\n")
    with pytest.raises(WorkerLoadError, match="defines no Worker and no Router"):
        load_worker(name)
    sys.modules.pop(name, None)
    _write(
        root / f"{name}.py",
        "from autoops.worker import Worker\nfirst = Worker()\nsecond = Worker()\n",
    )
    with pytest.raises(WorkerLoadError, match=r"several workers \(first, second\)"):
        load_worker(name)
    with pytest.raises(WorkerLoadError, match="names no module"):
        load_worker(":x")


def test_cli_reports_a_module_it_cannot_use_with_exit_code_2(project: tuple[Path, str]) -> None:
    from typer.testing import CliRunner

    from autoops.cli.app import app

    root, name = project
    # The command configures logging for its process; keep that from leaking into later tests.
    structlog_config = structlog.get_config()
    root_logger = logging.getLogger()
    handlers, level = list(root_logger.handlers), root_logger.level
    try:
        result = CliRunner().invoke(app, ["worker", name, "--address", "127.0.0.1:1"])
        assert result.exit_code == 2
        assert "no such module" in result.output
        _write(root / f"{name}.py", "from autoops.worker import Worker\nworker = Worker()\n")
        result = CliRunner().invoke(app, ["worker", name, "--address", "127.0.0.1:1", "--no-metrics"])
        assert result.exit_code == 1
        assert "the worker has no tasks" in result.output
    finally:
        structlog.configure(**structlog_config)
        root_logger.handlers[:] = handlers
        root_logger.setLevel(level)
