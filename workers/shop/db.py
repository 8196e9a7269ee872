"""The shop database: one SQLite file shared by every worker process, with short write transactions.

Money is stored in integer cents, never floats. The file runs in WAL mode so that readers never block
the writer; every write that reads before it writes (stock reservation above all) runs in
``BEGIN IMMEDIATE``, which takes SQLite's write lock *before* the read, so two workers can never both
see the same free stock and both take it. ``CHECK`` constraints are the last line of defence: stock on
hand and reservations can never go negative or exceed each other, whatever the code above does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["SCHEMA", "connect", "immediate", "initialize"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    sku             TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    category        TEXT NOT NULL,
    unit_price      INTEGER NOT NULL CHECK (unit_price > 0),          -- cents
    weight_grams    INTEGER NOT NULL CHECK (weight_grams > 0),
    lead_time_days  INTEGER NOT NULL CHECK (lead_time_days >= 0),
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE TABLE IF NOT EXISTS stock (
    sku       TEXT PRIMARY KEY REFERENCES products(sku),
    on_hand   INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved  INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand)
);
CREATE TABLE IF NOT EXISTS customers (
    customer_id TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    country     TEXT NOT NULL,
    since       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    order_id          TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL,
    customer_name     TEXT NOT NULL,
    email             TEXT NOT NULL,
    placed_at         TEXT NOT NULL,
    currency          TEXT NOT NULL,
    total             INTEGER NOT NULL CHECK (total >= 0),           -- cents
    shipping_country  TEXT NOT NULL,
    billing_country   TEXT NOT NULL,
    payment_method    TEXT NOT NULL,
    card_last4        TEXT,
    status            TEXT NOT NULL DEFAULT 'accepted'
);
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders(customer_id, placed_at);
CREATE TABLE IF NOT EXISTS order_lines (
    order_id    TEXT NOT NULL REFERENCES orders(order_id),
    line_no     INTEGER NOT NULL,
    sku         TEXT NOT NULL REFERENCES products(sku),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  INTEGER NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, line_no)
);
CREATE TABLE IF NOT EXISTS reservations (
    order_id    TEXT NOT NULL,
    sku         TEXT NOT NULL REFERENCES products(sku),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    status      TEXT NOT NULL CHECK (status IN ('held', 'shipped', 'released')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (order_id, sku)
);
CREATE TABLE IF NOT EXISTS payments (
    order_id          TEXT PRIMARY KEY,
    provider          TEXT NOT NULL,
    authorization_id  TEXT,
    amount            INTEGER NOT NULL CHECK (amount >= 0),            -- cents
    captured_amount   INTEGER NOT NULL DEFAULT 0 CHECK (captured_amount >= 0 AND captured_amount <= amount),
    currency          TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('authorized', 'declined', 'captured', 'voided')),
    decline_reason    TEXT,
    updated_at        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shipments (
    shipment_id   TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL UNIQUE,
    carrier       TEXT NOT NULL,
    tracking      TEXT NOT NULL,
    weight_grams  INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('created', 'delivered')),
    created_at    TEXT NOT NULL,
    delivered_at  TEXT
);
CREATE TABLE IF NOT EXISTS settlements (
    entry_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('sale', 'payment_fee')),
    amount       INTEGER NOT NULL,                                      -- cents, signed
    currency     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    UNIQUE (order_id, kind)
);
CREATE TABLE IF NOT EXISTS order_history (
    order_id    TEXT NOT NULL,
    ordered_at  TEXT NOT NULL,
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    unit_price  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS stock_policies (
    run_id          TEXT NOT NULL,
    sku             TEXT NOT NULL,
    reorder_point   REAL NOT NULL,
    safety_stock    REAL NOT NULL,
    order_up_to     REAL NOT NULL,
    order_quantity  REAL NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'published', 'rejected')),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (run_id, sku)
);
"""


def connect(path: Path | str, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection in autocommit mode: transactions are opened explicitly with :func:`immediate`.

    ``timeout`` is SQLite's busy timeout: a writer waits that long for another writer's lock instead of
    failing at once, which is what concurrent job workers need.
    """
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back if the block raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def initialize(path: Path | str) -> None:
    """Create the tables (idempotent) and switch the file to WAL mode."""
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
    finally:
        conn.close()
