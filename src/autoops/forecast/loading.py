"""Reading order history from files and databases, with a fingerprint of exactly what was read.

Supported sources: CSV (optionally gzip-compressed), Parquet, a SQLite database file and
``sqlite:///path`` URLs. Other SQL URLs are refused with a clear message rather than pulling in a
database toolkit for a weekly batch job: export the table to Parquet or CSV instead.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from autoops.forecast.errors import InputSourceError
from autoops.forecast.validation import ValidationReport, validate_order_lines

__all__ = ["LoadedHistory", "SourceInfo", "load_order_lines", "read_order_lines"]

_SQLITE_SUFFIXES = {".sqlite", ".sqlite3", ".db"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SourceInfo(BaseModel):
    """Where the history came from and a hash of its bytes, for lineage."""

    model_config = ConfigDict(frozen=True)

    location: str
    kind: Literal["csv", "parquet", "sqlite"]
    file_sha256: str
    content_sha256: str
    query: str | None = None


class LoadedHistory(BaseModel):
    """Validated order lines plus the report and source fingerprint."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    lines: pd.DataFrame
    report: ValidationReport
    source: SourceInfo


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _content_hash(frame: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def _resolve(source: str | Path) -> tuple[Path, Literal["csv", "parquet", "sqlite"]]:
    text = str(source)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme != "sqlite":
            raise InputSourceError(
                f"unsupported SQL URL scheme {scheme!r} in {text!r}: only sqlite:///path/to/file.db is "
                "supported; export the order lines to Parquet or CSV and pass that file instead"
            )
        rest = text.split("://", 1)[1]
        if not rest.startswith("/") or rest == "/":
            raise InputSourceError(
                f"malformed SQLite URL {text!r}: use sqlite:///relative/path.db or sqlite:////abs/path.db"
            )
        path = Path(rest[1:])
        kind: Literal["csv", "parquet", "sqlite"] = "sqlite"
    else:
        path = Path(text)
        suffixes = [s.lower() for s in path.suffixes]
        last = suffixes[-1] if suffixes else ""
        if last in _PARQUET_SUFFIXES:
            kind = "parquet"
        elif last in _SQLITE_SUFFIXES:
            kind = "sqlite"
        elif last in {".csv", ".txt"} or suffixes[-2:] == [".csv", ".gz"]:
            kind = "csv"
        else:
            raise InputSourceError(
                f"cannot tell the format of {text!r} from its name; use .csv, .csv.gz, .parquet, "
                ".sqlite/.db or a sqlite:/// URL"
            )
    if not path.is_file():
        raise InputSourceError(f"order history file not found: {path} (from {text!r})")
    return path, kind


def read_order_lines(
    source: str | Path, *, table: str = "order_lines", query: str | None = None
) -> tuple[pd.DataFrame, SourceInfo]:
    """Read raw order lines (unvalidated) and describe the source."""
    path, kind = _resolve(source)
    sql: str | None = None
    try:
        if kind == "csv":
            frame = pd.read_csv(
                path,
                dtype={"order_id": str, "sku": str, "location": str, "ordered_at": str},
                keep_default_na=False,
                na_values=[""],
            )
        elif kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            if query is None:
                if not _IDENTIFIER.match(table):
                    raise InputSourceError(f"table name {table!r} is not a plain SQL identifier")
                sql = f'SELECT * FROM "{table}"'
            else:
                sql = query
            uri = f"file:{path.resolve()}?mode=ro"
            with sqlite3.connect(uri, uri=True) as conn:
                frame = pd.read_sql_query(sql, conn)
    except InputSourceError:
        raise
    except (OSError, ValueError, sqlite3.Error, pd.errors.ParserError) as exc:
        raise InputSourceError(f"cannot read {kind} order history {path}: {exc}") from exc
    info = SourceInfo(
        location=str(source),
        kind=kind,
        file_sha256=_sha256_file(path),
        content_sha256=_content_hash(frame),
        query=sql,
    )
    return frame, info


def load_order_lines(
    source: str | Path,
    *,
    table: str = "order_lines",
    query: str | None = None,
    on_invalid: Literal["drop", "raise"] = "drop",
    max_invalid_fraction: float = 0.05,
) -> LoadedHistory:
    """Read and validate order lines from a file or ``sqlite:///`` URL."""
    raw, info = read_order_lines(source, table=table, query=query)
    lines, report = validate_order_lines(
        raw, source=str(source), on_invalid=on_invalid, max_invalid_fraction=max_invalid_fraction
    )
    return LoadedHistory(lines=lines, report=report, source=info)
