"""The SQLite file: schema, connection settings and transactions.

The writer connection is used by one task at a time: it processes a batch of commands synchronously
on the event loop inside one transaction and commits it in a worker thread (so the loop keeps
serving the network during the fsync). Queries use a second, read-only connection that only sees
committed transactions. WAL mode keeps commits cheap; ``synchronous=FULL`` (the default here)
makes every acknowledged command survive power loss, ``NORMAL`` only process crashes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

from autoops.engine.keys import first_key

__all__ = ["SCHEMA_VERSION", "Store", "Synchronous"]

SCHEMA_VERSION = 1
Synchronous = Literal["FULL", "NORMAL", "OFF"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS records (
  position INTEGER PRIMARY KEY,
  record_type TEXT NOT NULL,
  value_type TEXT NOT NULL,
  intent TEXT NOT NULL,
  key INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  process_instance_key INTEGER,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_pi ON records(process_instance_key) WHERE process_instance_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS deployments (
  key INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  created INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS definitions (
  key INTEGER PRIMARY KEY,
  bpmn_process_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT,
  version_tag TEXT,
  resource_name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  resource BLOB NOT NULL,
  deployment_key INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  has_start_form INTEGER NOT NULL DEFAULT 0,
  start_form_id TEXT,
  deleted INTEGER NOT NULL DEFAULT 0,
  UNIQUE (bpmn_process_id, version)
);

CREATE TABLE IF NOT EXISTS forms (
  key INTEGER PRIMARY KEY,
  form_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  version_tag TEXT,
  resource_name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  resource BLOB NOT NULL,
  deployment_key INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  UNIQUE (form_id, version)
);

CREATE TABLE IF NOT EXISTS element_instances (
  key INTEGER PRIMARY KEY,
  process_instance_key INTEGER NOT NULL,
  definition_key INTEGER NOT NULL,
  bpmn_process_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  element_id TEXT NOT NULL,
  element_type TEXT NOT NULL,
  flow_scope_key INTEGER,
  state TEXT NOT NULL,
  active_children INTEGER NOT NULL DEFAULT 0,
  incident_key INTEGER,
  start_date INTEGER NOT NULL,
  end_date INTEGER,
  parent_process_instance_key INTEGER,
  parent_element_instance_key INTEGER,
  tenant_id TEXT NOT NULL,
  -- per-element scratch data (e.g. the flow an exclusive gateway selected)
  data TEXT
);
CREATE INDEX IF NOT EXISTS ei_scope ON element_instances(flow_scope_key, state);
CREATE INDEX IF NOT EXISTS ei_pi ON element_instances(process_instance_key);
CREATE INDEX IF NOT EXISTS ei_roots ON element_instances(element_type, start_date) WHERE element_type = 'PROCESS';

CREATE TABLE IF NOT EXISTS variables (
  key INTEGER PRIMARY KEY,
  scope_key INTEGER NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  process_instance_key INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  UNIQUE (scope_key, name)
);
CREATE INDEX IF NOT EXISTS var_pi ON variables(process_instance_key);

CREATE TABLE IF NOT EXISTS taken_flows (
  flow_scope_key INTEGER NOT NULL,
  gateway_id TEXT NOT NULL,
  flow_id TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (flow_scope_key, gateway_id, flow_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS jobs (
  key INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  kind TEXT NOT NULL,
  retries INTEGER NOT NULL,
  worker TEXT NOT NULL DEFAULT '',
  deadline INTEGER,
  retry_backoff INTEGER NOT NULL DEFAULT 0,
  recurring_time INTEGER,
  error_message TEXT NOT NULL DEFAULT '',
  error_code TEXT NOT NULL DEFAULT '',
  custom_headers TEXT NOT NULL,
  element_instance_key INTEGER NOT NULL,
  element_id TEXT NOT NULL,
  process_instance_key INTEGER NOT NULL,
  definition_key INTEGER NOT NULL,
  bpmn_process_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  created INTEGER NOT NULL,
  end_date INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_activatable ON jobs(type, key) WHERE state = 'ACTIVATABLE';
CREATE INDEX IF NOT EXISTS jobs_ei ON jobs(element_instance_key);

CREATE TABLE IF NOT EXISTS incidents (
  key INTEGER PRIMARY KEY,
  error_type TEXT NOT NULL,
  error_message TEXT NOT NULL,
  state TEXT NOT NULL,
  element_instance_key INTEGER NOT NULL,
  element_id TEXT NOT NULL,
  process_instance_key INTEGER NOT NULL,
  definition_key INTEGER NOT NULL,
  bpmn_process_id TEXT NOT NULL,
  job_key INTEGER,
  tenant_id TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  resolved_time INTEGER
);
CREATE INDEX IF NOT EXISTS inc_ei ON incidents(element_instance_key, state);

CREATE TABLE IF NOT EXISTS user_tasks (
  key INTEGER PRIMARY KEY,
  state TEXT NOT NULL,
  element_instance_key INTEGER NOT NULL,
  element_id TEXT NOT NULL,
  name TEXT,
  process_instance_key INTEGER NOT NULL,
  definition_key INTEGER NOT NULL,
  bpmn_process_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  assignee TEXT,
  candidate_groups TEXT NOT NULL,
  candidate_users TEXT NOT NULL,
  due_date TEXT,
  follow_up_date TEXT,
  priority INTEGER NOT NULL,
  form_key INTEGER,
  external_form_reference TEXT,
  custom_headers TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  creation_date INTEGER NOT NULL,
  completion_date INTEGER,
  variables TEXT
);
CREATE INDEX IF NOT EXISTS ut_ei ON user_tasks(element_instance_key);

-- Everything that must happen at a point in time: job deadlines and back-offs, timers and
-- message TTLs, each with its own kind.
CREATE TABLE IF NOT EXISTS due_items (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  ref_key INTEGER NOT NULL,
  UNIQUE (kind, ref_key)
);
CREATE INDEX IF NOT EXISTS due_at ON due_items(due_at, id);

-- Open catch subscriptions (messages and signals). The owner is the element instance whose
-- lifetime bounds the subscription: the catch event or receive task itself, an event-based
-- gateway, an activity with boundary events or a scope with event subprocesses; start events of
-- deployed processes have no owner. ``element_id`` is the catch event that the trigger activates.
CREATE TABLE IF NOT EXISTS subscriptions (
  key INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  correlation_key TEXT NOT NULL DEFAULT '',
  owner_key INTEGER,
  element_id TEXT NOT NULL,
  role TEXT NOT NULL,
  interrupting INTEGER NOT NULL,
  process_instance_key INTEGER,
  bpmn_process_id TEXT NOT NULL,
  definition_key INTEGER NOT NULL,
  tenant_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sub_name ON subscriptions(kind, name, correlation_key);
CREATE INDEX IF NOT EXISTS sub_owner ON subscriptions(owner_key) WHERE owner_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS sub_start ON subscriptions(bpmn_process_id) WHERE owner_key IS NULL;

-- Timers; each has a due item of kind 'timer'. ``repetitions`` counts the ticks still to fire
-- (-1: unbounded); ``cycle`` keeps the evaluated cycle text to compute the next tick.
CREATE TABLE IF NOT EXISTS timers (
  key INTEGER PRIMARY KEY,
  owner_key INTEGER,
  element_id TEXT NOT NULL,
  role TEXT NOT NULL,
  interrupting INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  repetitions INTEGER NOT NULL,
  cycle TEXT,
  process_instance_key INTEGER,
  bpmn_process_id TEXT NOT NULL,
  definition_key INTEGER NOT NULL,
  tenant_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS timers_owner ON timers(owner_key) WHERE owner_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS timers_start ON timers(bpmn_process_id) WHERE owner_key IS NULL;

-- Buffered messages (until their deadline) and the processes each one already reached.
CREATE TABLE IF NOT EXISTS messages (
  key INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  correlation_key TEXT NOT NULL,
  message_id TEXT NOT NULL DEFAULT '',
  variables TEXT NOT NULL,
  deadline INTEGER NOT NULL,
  tenant_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS msg_name ON messages(name, correlation_key, key);
CREATE TABLE IF NOT EXISTS message_correlations (
  message_key INTEGER NOT NULL,
  bpmn_process_id TEXT NOT NULL,
  PRIMARY KEY (message_key, bpmn_process_id)
) WITHOUT ROWID;
-- Active instances started by a message with a correlation key (one per process and key).
CREATE TABLE IF NOT EXISTS message_start_keys (
  bpmn_process_id TEXT NOT NULL,
  correlation_key TEXT NOT NULL,
  process_instance_key INTEGER NOT NULL,
  PRIMARY KEY (bpmn_process_id, correlation_key)
) WITHOUT ROWID;
"""


class Store:
    """Owns the connection; callers use :meth:`begin`/:meth:`commit`/:meth:`rollback` explicitly."""

    def __init__(self, path: str | Path | None, *, synchronous: Synchronous = "FULL") -> None:
        self.path = None if path is None else Path(path)
        target = ":memory:" if self.path is None else str(self.path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT/SAVEPOINT ourselves.
        self.conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.pragmas: dict[str, str] = {}
        if self.path is not None:
            mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            self.pragmas["journal_mode"] = str(mode)
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.pragmas["synchronous"] = synchronous
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.execute("PRAGMA cache_size=-65536")
        self.pragmas["cache_size"] = "-65536"
        # one transaction for the whole schema: one fsync instead of one per statement
        self.conn.executescript("BEGIN;\n" + _SCHEMA + "\nCOMMIT;")
        self.conn.execute(
            "INSERT OR IGNORE INTO meta(name, value) VALUES ('schema_version', ?), ('next_key', ?)",
            (SCHEMA_VERSION, first_key()),
        )
        # Readers get their own connection on a file: in WAL mode it sees only committed data, so
        # a query never observes a batch that is still being processed or committed.
        if self.path is None:
            self.read_conn = self.conn
        else:
            self.read_conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            self.read_conn.row_factory = sqlite3.Row
            self.read_conn.execute("PRAGMA query_only=ON")
            self.read_conn.execute("PRAGMA cache_size=-16384")

    def meta(self, name: str) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise KeyError(name)
        return int(row[0])

    def set_meta(self, name: str, value: int) -> None:
        self.conn.execute(
            "INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    @property
    def in_memory(self) -> bool:
        return self.path is None

    def close(self) -> None:
        self.rollback()
        if self.read_conn is not self.conn:
            self.read_conn.close()
        self.conn.close()
