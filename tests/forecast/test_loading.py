from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from autoops.forecast import InputSourceError, OrderDataError, load_order_lines, validate_order_lines

GOOD = pd.DataFrame({
    "order_id": ["A1", "A2", "A3", "A4"],
    "ordered_at": ["2024-01-01T10:00:00", "2024-01-02", "2024-01-09 08:30", "2024-01-10T12:00:00Z"],
    "sku": ["X", "X", "Y", "X"],
    "quantity": [3, 2, 5, -1],
    "unit_price": [9.5, 9.5, 4.0, 9.5],
})


def test_csv_parquet_and_sqlite_sources_load_the_same_lines(tmp_path: Path) -> None:
    GOOD.to_csv(tmp_path / "h.csv", index=False)
    GOOD.to_parquet(tmp_path / "h.parquet")
    db = tmp_path / "h.db"
    with sqlite3.connect(db) as conn:
        GOOD.to_sql("order_lines", conn, index=False)
        GOOD.to_sql("other", conn, index=False)
    sources = [str(tmp_path / "h.csv"), str(tmp_path / "h.parquet"), str(db), f"sqlite:///{db}"]
    loaded = [load_order_lines(s).lines for s in sources]
    for frame in loaded[1:]:
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), loaded[0], check_dtype=False)
    assert loaded[0]["quantity"].tolist() == [3.0, 2.0, 5.0, -1.0]
    by_query = load_order_lines(db, query="SELECT * FROM other WHERE sku = 'Y'")
    assert by_query.lines["sku"].tolist() == ["Y"]
    assert by_query.source.kind == "sqlite" and by_query.source.query is not None
    assert len(load_order_lines(str(tmp_path / "h.csv")).source.file_sha256) == 64


def test_unsupported_sources_are_refused_with_a_way_out(tmp_path: Path) -> None:
    with pytest.raises(InputSourceError, match="only sqlite:///"):
        load_order_lines("postgresql://user@host/db")
    with pytest.raises(InputSourceError, match="not found"):
        load_order_lines(tmp_path / "missing.csv")
    (tmp_path / "h.xlsx").write_text("x")
    with pytest.raises(InputSourceError, match=r"\.parquet"):
        load_order_lines(tmp_path / "h.xlsx")


def test_missing_columns_are_named() -> None:
    with pytest.raises(OrderDataError) as err:
        validate_order_lines(GOOD.drop(columns=["sku", "quantity"]), source="orders.csv")
    message = str(err.value)
    assert "orders.csv" in message and "['sku', 'quantity']" in message and "rename" in message


def _messy() -> pd.DataFrame:
    rows = [GOOD.astype(str)] * 10
    frame = pd.concat(rows, ignore_index=True)
    frame["order_id"] = [f"O{i}" for i in range(len(frame))]
    frame.loc[3, "ordered_at"] = "31/02/2024"
    frame.loc[7, "ordered_at"] = "yesterday"
    frame.loc[5, "quantity"] = "two"
    frame.loc[9, "sku"] = " "
    frame = pd.concat([frame, frame.iloc[[0, 1]]], ignore_index=True)
    return frame


def test_invalid_rows_are_counted_with_examples_and_dropped() -> None:
    clean, report = validate_order_lines(_messy(), max_invalid_fraction=0.2)
    by_code = {i.code: i for i in report.issues}
    assert by_code["unparsable_date"].count == 2
    assert [e["row"] for e in by_code["unparsable_date"].examples] == ["4", "8"]
    assert by_code["unparsable_date"].examples[0]["ordered_at"] == "31/02/2024"
    assert by_code["non_numeric_quantity"].count == 1
    assert by_code["non_numeric_quantity"].examples[0]["quantity"] == "two"
    assert by_code["missing_sku"].count == 1
    assert by_code["duplicate_row"].count == 2
    # returns are reported but kept, to be netted
    assert by_code["negative_quantity"].count == 8  # 10 returns, 2 of them on rows with bad dates
    assert by_code["negative_quantity"].severity == "info"
    assert report.rows_read == 42 and report.rows_valid == 42 - 4 - 2 == len(clean)
    assert (clean["quantity"] < 0).sum() == 8


def test_strict_mode_and_too_many_invalid_rows_raise() -> None:
    with pytest.raises(OrderDataError, match="4 invalid row") as err:
        validate_order_lines(_messy(), on_invalid="raise")
    assert err.value.report is not None and len(err.value.report.errors) == 3
    with pytest.raises(OrderDataError, match="more than the 5%"):
        validate_order_lines(_messy())
