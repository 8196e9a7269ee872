"""``lineage.json``: what data, which settings and which code produced the published numbers."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

import autoops

__all__ = ["HistoryInfo", "Lineage", "file_sha256", "library_versions"]

_LIBRARIES = ("numpy", "pandas", "lightgbm", "pyarrow", "matplotlib", "pydantic")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "autoops": autoops.__version__}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class HistoryInfo(BaseModel):
    """The demand history the model saw, after aggregation."""

    first_period: str
    last_period: str
    periods: int
    series: int
    observations: int
    frequency: str


class Lineage(BaseModel):
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    command: str
    input: dict[str, Any]
    history: HistoryInfo
    parameters: dict[str, Any]
    libraries: dict[str, str] = Field(default_factory=library_versions)
    metrics: dict[str, Any]
    outputs: dict[str, str] = Field(default_factory=dict, description="file name -> SHA-256")

    def write(self, out_dir: Path) -> Path:
        for path in sorted(out_dir.rglob("*")):
            if path.is_file() and path.name != "lineage.json":
                self.outputs[str(path.relative_to(out_dir))] = file_sha256(path)
        target = out_dir / "lineage.json"
        target.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        return target
