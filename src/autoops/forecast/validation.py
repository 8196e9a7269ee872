"""Validation of raw order lines: every problem counted, shown by example, and either fixed or refused.

Order exports are messy (a spreadsheet edit, a failed migration, a date in the wrong locale). Dropping bad
rows silently would bias the forecast without anyone knowing, and refusing a file for one bad row
among millions would stop the weekly plan. So each finding is reported with its count and a few example
rows, invalid rows are dropped only while they stay a small fraction of the file, and returns (negative
quantities) are kept so that they are netted against sales instead of vanishing.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from autoops.forecast.errors import OrderDataError
from autoops.logging import get_logger

__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ValidationIssue",
    "ValidationReport",
    "validate_order_lines",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("order_id", "ordered_at", "sku", "quantity")
OPTIONAL_COLUMNS: tuple[str, ...] = ("unit_price", "location")
_MAX_EXAMPLES = 5
_log = get_logger(__name__)

Severity = Literal["error", "warning", "info"]


class ValidationIssue(BaseModel):
    """One kind of problem: how many rows have it and what a few of them look like."""

    code: str
    severity: Severity
    count: int
    message: str
    examples: list[dict[str, str]] = Field(default_factory=list)

    def render(self) -> str:
        shown = "; ".join(", ".join(f"{k}={v}" for k, v in ex.items()) for ex in self.examples)
        return f"[{self.severity}] {self.code}: {self.count} row(s) - {self.message}" + (
            f" (e.g. {shown})" if shown else ""
        )


class ValidationReport(BaseModel):
    """Everything found while validating one source; stored in lineage next to the outputs."""

    source: str
    rows_read: int
    rows_valid: int
    issues: list[ValidationIssue] = Field(default_factory=list)

    @property
    def errors(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == "error"]

    def summary(self) -> str:
        head = f"{self.source}: {self.rows_read} rows read, {self.rows_valid} valid"
        return "\n".join([head, *(f"  {i.render()}" for i in self.issues)])


def _examples(frame: pd.DataFrame, mask: pd.Series, columns: list[str]) -> list[dict[str, str]]:
    rows = frame.loc[mask, columns].head(_MAX_EXAMPLES)
    out: list[dict[str, str]] = []
    for idx, rec in zip(rows.index, rows.to_dict(orient="records"), strict=True):
        item = {"row": str(int(idx) + 1)}
        item.update({str(k): ("" if v is None else str(v)) for k, v in rec.items()})
        out.append(item)
    return out


def _parse_dates(col: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(col):
        parsed = col
    else:
        text = col.astype("string").str.strip()
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
        retry = parsed.isna() & text.notna() & (text != "")
        if bool(retry.any()):
            parsed.loc[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed", utc=True)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


def validate_order_lines(
    raw: pd.DataFrame,
    *,
    source: str = "<dataframe>",
    on_invalid: Literal["drop", "raise"] = "drop",
    max_invalid_fraction: float = 0.05,
) -> tuple[pd.DataFrame, ValidationReport]:
    """Check and normalise order lines; return the clean lines and the report.

    Row numbers in the report count data rows from 1 (line ``row + 1`` of a CSV with a header).
    Raises :class:`OrderDataError` when required columns are missing, when ``on_invalid="raise"`` and
    any row is invalid, or when invalid rows exceed ``max_invalid_fraction`` of the input.
    """
    cols = {str(c).strip().lower(): c for c in raw.columns}
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise OrderDataError(
            f"{source}: missing required column(s) {missing}; found {sorted(cols)}. "
            f"Order lines need {list(REQUIRED_COLUMNS)} (optional {list(OPTIONAL_COLUMNS)}); "
            "rename the columns in the export or pass a SQL query that aliases them."
        )
    keep = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in cols]
    frame = raw[[cols[c] for c in keep]].copy()
    frame.columns = pd.Index(keep)
    frame = frame.reset_index(drop=True)
    n = len(frame)
    issues: list[ValidationIssue] = []
    invalid = pd.Series(False, index=frame.index)

    for name in ("order_id", "sku"):
        text = frame[name].astype("string").str.strip()
        bad = text.isna() | (text == "")
        if bool(bad.any()):
            issues.append(ValidationIssue(
                code=f"missing_{name}", severity="error", count=int(bad.sum()),
                message=f"empty {name}; every line needs one",
                examples=_examples(frame, bad, list(keep)),
            ))
            invalid |= bad
        frame[name] = text

    dates = _parse_dates(frame["ordered_at"])
    bad_dates = dates.isna()
    if bool(bad_dates.any()):
        issues.append(ValidationIssue(
            code="unparsable_date", severity="error", count=int(bad_dates.sum()),
            message="ordered_at is not a date/time; use ISO 8601 such as 2024-03-01 or 2024-03-01T14:05:00Z",
            examples=_examples(frame, bad_dates, ["order_id", "ordered_at"]),
        ))
        invalid |= bad_dates

    qty = pd.to_numeric(frame["quantity"], errors="coerce").astype("float64")
    bad_qty = qty.isna() | ~np.isfinite(qty.fillna(0.0))
    if bool(bad_qty.any()):
        issues.append(ValidationIssue(
            code="non_numeric_quantity", severity="error", count=int(bad_qty.sum()),
            message="quantity is not a finite number",
            examples=_examples(frame, bad_qty, ["order_id", "sku", "quantity"]),
        ))
        invalid |= bad_qty
    negative = (qty < 0) & ~invalid
    if bool(negative.any()):
        issues.append(ValidationIssue(
            code="negative_quantity", severity="info", count=int(negative.sum()),
            message="returns/cancellations kept and netted against sales of the same week "
            "(net weekly demand below zero is counted as zero demand)",
            examples=_examples(frame, negative, ["order_id", "sku", "ordered_at", "quantity"]),
        ))

    frame["ordered_at"] = dates
    frame["quantity"] = qty

    if "unit_price" in frame.columns:
        price = pd.to_numeric(frame["unit_price"], errors="coerce").astype("float64")
        bad_price = (price.isna() & frame["unit_price"].notna()) | (price < 0)
        if bool(bad_price.any()):
            issues.append(ValidationIssue(
                code="bad_unit_price", severity="warning", count=int(bad_price.sum()),
                message="unit_price not a non-negative number; the price is ignored for these rows",
                examples=_examples(frame, bad_price, ["order_id", "sku", "unit_price"]),
            ))
        frame["unit_price"] = price.where(~bad_price)
    if "location" in frame.columns:
        frame["location"] = frame["location"].astype("string").str.strip().fillna("").astype(str)

    dup = frame.duplicated(keep="first") & ~invalid
    if bool(dup.any()):
        issues.append(ValidationIssue(
            code="duplicate_row", severity="warning", count=int(dup.sum()),
            message="identical line repeated (same order, SKU, time, quantity); the copies are dropped",
            examples=_examples(frame, dup, ["order_id", "sku", "ordered_at", "quantity"]),
        ))

    n_invalid = int(invalid.sum())
    clean = frame.loc[~invalid & ~dup].reset_index(drop=True)
    clean["sku"] = clean["sku"].astype(str)
    clean["order_id"] = clean["order_id"].astype(str)
    report = ValidationReport(source=source, rows_read=n, rows_valid=len(clean), issues=issues)
    if n == 0:
        raise OrderDataError(f"{source}: no order lines; the source is empty", report)
    if n_invalid and on_invalid == "raise":
        raise OrderDataError(f"{source}: {n_invalid} invalid row(s)\n{report.summary()}", report)
    if n_invalid > max_invalid_fraction * n:
        raise OrderDataError(
            f"{source}: {n_invalid} of {n} rows ({n_invalid / n:.1%}) are invalid, more than the "
            f"{max_invalid_fraction:.0%} that may be dropped; fix the export\n{report.summary()}",
            report,
        )
    for issue in issues:
        _log.info("order_lines_issue", source=source, code=issue.code, count=issue.count)
    return clean, report
