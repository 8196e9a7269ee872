"""Run ``autoops dev`` as a real subprocess on free ports and wait until it answers.

Used by restart tests and benchmarks that need the engine in its own process, exactly as a
developer runs it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import httpx

from autoops.engine.server import ServerAddresses

__all__ = ["DevProcess", "DevProcessError", "free_port", "run_dev"]


class DevProcessError(RuntimeError):
    """``autoops dev`` exited or did not answer ``GET /v2/topology`` in time; carries its output."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the OS picks it; a race with other programs is possible)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class DevProcess:
    """A running ``autoops dev``; stop it with :meth:`stop` (SIGTERM, then SIGKILL after a grace period)."""

    def __init__(self, data_dir: Path | None, *, host: str = "127.0.0.1", grpc_port: int | None = None,
                 rest_port: int | None = None, extra_args: list[str] | None = None,
                 env: dict[str, str] | None = None, launcher: list[str] | None = None) -> None:
        self.data_dir = data_dir
        self.addresses = ServerAddresses(host, grpc_port or free_port(host), rest_port or free_port(host))
        self._extra = list(extra_args or [])
        self._env = env
        # the interpreter command line before ``-m autoops dev`` (benchmarks wrap it, e.g. in cProfile)
        self._launcher = list(launcher) if launcher is not None else [sys.executable]
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self._log: object = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise RuntimeError("the process is not running")
        return self._proc.pid

    def start(self, timeout_s: float = 30.0, log_path: Path | None = None) -> DevProcess:
        args = [*self._launcher, "-m", "autoops", "dev", "--host", self.addresses.host,
                "--grpc-port", str(self.addresses.grpc_port), "--rest-port", str(self.addresses.rest_port)]
        if self.data_dir is None:
            args.append("--in-memory")
        else:
            args += ["--data-dir", str(self.data_dir)]
        args += self._extra
        env = dict(os.environ)
        env.update(self._env or {})
        self._log_path = log_path
        out = open(log_path, "ab") if log_path is not None else subprocess.DEVNULL  # noqa: SIM115
        self._log = out
        self._proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        self.wait_ready(timeout_s)
        return self

    def wait_ready(self, timeout_s: float) -> None:
        assert self._proc is not None
        end = time.monotonic() + timeout_s
        url = self.addresses.rest + "/topology"
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < end:
                code = self._proc.poll()
                if code is not None:
                    raise DevProcessError(f"'autoops dev' exited with code {code} before it was ready{self._tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(url).status_code == 200:
                        return
                time.sleep(0.05)
        self.kill()
        raise DevProcessError(f"'autoops dev' did not answer GET {url} within {timeout_s} s{self._tail()}")

    def _tail(self) -> str:
        if self._log_path is None or not self._log_path.exists():
            return ""
        text = self._log_path.read_text(errors="replace")
        return "; its last output:\n" + "\n".join(text.splitlines()[-20:])

    def stop(self, grace_s: float = 15.0) -> int:
        """SIGTERM and wait; returns the exit code (SIGKILL if it does not exit in ``grace_s``)."""
        if self._proc is None:
            return 0
        proc = self._proc
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._close_log()
        self._proc = None
        return int(proc.returncode)

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._close_log()

    def _close_log(self) -> None:
        close = getattr(self._log, "close", None)
        if callable(close):
            close()
        self._log = None

    def __enter__(self) -> DevProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@contextlib.contextmanager
def run_dev(data_dir: Path | None, *, log_path: Path | None = None, timeout_s: float = 30.0,
            extra_args: list[str] | None = None) -> Iterator[DevProcess]:
    """``with run_dev(tmp_path / "data") as dev:`` starts ``autoops dev`` on free ports, stops it after."""
    proc = DevProcess(data_dir, extra_args=extra_args)
    proc.start(timeout_s, log_path=log_path)
    try:
        yield proc
    finally:
        proc.stop()
