"""Building the shop database from the example data folder (``examples/data/``).

Expected files: ``catalogue.csv`` (sku, name, category, unit_price in EUR, weight_grams, lead_time_days,
stock_on_hand, active), ``customers.csv`` (customer_id, name, email, country, since) and, optionally,
``order_history.csv.gz`` (order_id, ordered_at, sku, quantity, unit_price): the past sales the weekly
forecast learns from.
"""

from __future__ import annotations

import csv
import gzip
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from workers.shop.db import immediate
from workers.shop.errors import ShopDataError
from workers.shop.models import cents

__all__ = ["CATALOGUE", "CUSTOMERS", "HISTORY", "load_data"]

CATALOGUE = "catalogue.csv"
CUSTOMERS = "customers.csv"
HISTORY = "order_history.csv.gz"

_CATALOGUE_COLUMNS = ("sku", "name", "category", "unit_price", "weight_grams", "lead_time_days", "stock_on_hand", "active")
_CUSTOMER_COLUMNS = ("customer_id", "name", "email", "country", "since")
_HISTORY_COLUMNS = ("order_id", "ordered_at", "sku", "quantity", "unit_price")


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    with _open(path) as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ShopDataError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
        yield from enumerate(reader, start=2)


def _load_history(conn: sqlite3.Connection, path: Path) -> int:
    """Bulk-load the sales history as text (the forecast's own validation drops broken rows)."""
    with _open(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        missing = [c for c in _HISTORY_COLUMNS if c not in header]
        if missing:
            raise ShopDataError(f"{path}: missing column(s) {', '.join(missing)}")
        picks = [header.index(c) for c in _HISTORY_COLUMNS]
        before = conn.total_changes
        conn.executemany(
            "INSERT INTO order_history (order_id, ordered_at, sku, quantity, unit_price) VALUES (?, ?, ?, ?, ?)",
            ([row[i] for i in picks] for row in reader),
        )
        return conn.total_changes - before


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def load_data(conn: sqlite3.Connection, data_dir: Path) -> dict[str, int]:
    """Load catalogue, stock, customers and history into empty tables; returns row counts per table."""
    catalogue = data_dir / CATALOGUE
    if not catalogue.is_file():
        raise ShopDataError(f"catalogue not found: {catalogue}; run examples/generate_data.py to create it")
    counts = {"products": 0, "customers": 0, "order_history": 0}
    with immediate(conn):
        if conn.execute("SELECT COUNT(*) FROM products").fetchone()[0]:
            raise ShopDataError("the shop database already has a catalogue; build into a new file")
        for number, row in _rows(catalogue, _CATALOGUE_COLUMNS):
            try:
                conn.execute(
                    "INSERT INTO products (sku, name, category, unit_price, weight_grams, lead_time_days, active)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (row["sku"], row["name"], row["category"], cents(row["unit_price"]), int(row["weight_grams"]),
                     int(row["lead_time_days"]), int(row["active"])),
                )
                conn.execute(
                    "INSERT INTO stock (sku, on_hand, reserved) VALUES (?, ?, 0)", (row["sku"], int(row["stock_on_hand"]))
                )
            except (ValueError, ArithmeticError, sqlite3.IntegrityError) as exc:
                raise ShopDataError(f"{catalogue}:{number}: {exc}") from exc
            counts["products"] += 1
        customers = data_dir / CUSTOMERS
        if customers.is_file():
            for number, row in _rows(customers, _CUSTOMER_COLUMNS):
                try:
                    conn.execute(
                        "INSERT INTO customers (customer_id, name, email, country, since) VALUES (?, ?, ?, ?, ?)",
                        tuple(row[c] for c in _CUSTOMER_COLUMNS),
                    )
                except sqlite3.IntegrityError as exc:
                    raise ShopDataError(f"{customers}:{number}: {exc}") from exc
                counts["customers"] += 1
        history = data_dir / HISTORY
        if history.is_file():
            counts["order_history"] = _load_history(conn, history)
    return counts
