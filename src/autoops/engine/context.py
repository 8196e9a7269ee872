"""The state one command is processed against: the open transaction, its timestamp, the records it
writes, the follow-up steps it causes and the effects to run once it has committed.

Follow-up steps run FIFO inside the same transaction until none is left, the way Zeebe processes
the follow-up commands a command writes. ``attempt`` wraps a step that may fail into a savepoint, so
a failed step leaves no trace and the caller can record an incident instead.
"""

from __future__ import annotations

import json
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autoops.engine.keys import KeyGenerator
from autoops.engine.records import RecordType

if TYPE_CHECKING:
    from autoops.engine.deployment import DeployedProcess, ModelCache

__all__ = ["DEFAULT_TENANT", "ElementInstance", "Hooks", "ProcessingContext", "Step", "dumps"]

DEFAULT_TENANT = "<default>"


def _make_dumps() -> Callable[[Any], str]:
    """Compact JSON, ``json.dumps(value, separators=(",", ":"), ensure_ascii=False)`` exactly.

    Every record, variable and instance row is encoded, dozens per process instance, so the
    C encoder is built once here instead of on every call (half the cost of ``json.dumps``).
    Values come from JSON documents and engine dicts and cannot be circular, so the circular
    reference check is off (a cycle would end in RecursionError instead of ValueError).
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the plain call
        return lambda value: json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    try:
        encode = make(None, json.JSONEncoder().default, json.encoder.encode_basestring, None, ":", ",",
                      False, False, True)
    except TypeError:  # another interpreter's signature
        return lambda value: json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def dumps(value: Any) -> str:
        return "".join(encode(value, 0))

    return dumps


dumps: Callable[[Any], str] = _make_dumps()


@dataclass(slots=True)
class ElementInstance:
    """One row of ``element_instances``; the process instance itself is the root (PROCESS) row."""

    key: int
    process_instance_key: int
    definition_key: int
    bpmn_process_id: str
    version: int
    element_id: str
    element_type: str
    flow_scope_key: int | None
    state: str
    active_children: int
    tenant_id: str
    start_date: int
    end_date: int | None = None
    parent_process_instance_key: int | None = None
    parent_element_instance_key: int | None = None
    data: dict[str, Any] | None = None
    encoded: str | None = field(default=None, repr=False, compare=False)  # memo of record_json()

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ElementInstance:
        data = row["data"]
        return cls(
            key=row["key"],
            process_instance_key=row["process_instance_key"],
            definition_key=row["definition_key"],
            bpmn_process_id=row["bpmn_process_id"],
            version=row["version"],
            element_id=row["element_id"],
            element_type=row["element_type"],
            flow_scope_key=row["flow_scope_key"],
            state=row["state"],
            active_children=row["active_children"],
            tenant_id=row["tenant_id"],
            start_date=row["start_date"],
            end_date=row["end_date"],
            parent_process_instance_key=row["parent_process_instance_key"],
            parent_element_instance_key=row["parent_element_instance_key"],
            data=None if data is None else json.loads(data),
        )

    def record_json(self) -> str:
        """``record_value()`` as JSON text, encoded once per instance (its fields never change)."""
        if self.encoded is None:
            self.encoded = dumps(self.record_value())
        return self.encoded

    def record_value(self) -> dict[str, Any]:
        """The PROCESS_INSTANCE record value Zeebe writes for this element."""
        return {
            "bpmnElementType": self.element_type,
            "elementId": self.element_id,
            "bpmnProcessId": self.bpmn_process_id,
            "version": self.version,
            "processDefinitionKey": self.definition_key,
            "processInstanceKey": self.process_instance_key,
            "flowScopeKey": -1 if self.flow_scope_key is None else self.flow_scope_key,
            "parentProcessInstanceKey": self.parent_process_instance_key or -1,
            "parentElementInstanceKey": self.parent_element_instance_key or -1,
            "tenantId": self.tenant_id,
        }


@dataclass(slots=True)
class Step:
    """A follow-up command: ``kind`` names the lifecycle operation, ``args`` its operands."""

    kind: str
    key: int
    args: dict[str, Any] = field(default_factory=dict)


class Hooks:
    """Callbacks from processing into the engine and into later behaviours.

    The engine subclasses this to wake job pollers and answer awaiting callers, and routes BPMN
    errors thrown on jobs through :meth:`find_error_catch`.
    """

    def jobs_available(self, job_type: str) -> None:
        """Called after commit when a job of ``job_type`` became activatable."""

    def process_completed(self, ctx: ProcessingContext, inst: ElementInstance) -> None:
        """Called inside the transaction when a process instance completed."""

    def process_terminated(self, ctx: ProcessingContext, inst: ElementInstance) -> None:
        """Called inside the transaction when a process instance was terminated."""

    def find_error_catch(
        self, ctx: ProcessingContext, inst: ElementInstance, error_code: str
    ) -> Callable[[dict[str, Any]], None] | None:
        """A callable that routes a BPMN error thrown at ``inst`` to its catch event, or None."""
        return None


class ProcessingContext:
    """Everything a processor may touch while one command is processed."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        now: int,
        keys: KeyGenerator,
        models: ModelCache,
        hooks: Hooks | None = None,
        shared: dict[int, ElementInstance] | None = None,
    ) -> None:
        self.conn = conn
        # Live element instances as of the last successful command, shared across commands. Read
        # through copies, so a rolled-back command cannot leak changes; see publish().
        self._shared = shared if shared is not None else {}
        self._origin: dict[int, tuple[str, int, int | None, dict[str, Any] | None]] = {}
        self.hooks = hooks or Hooks()
        self.now = now
        self.keys = keys
        self.models = models
        self.records: list[tuple[str, str, str, int, int, int | None, str]] = []
        self.after_commit: list[Callable[[], None]] = []
        self.steps: deque[Step] = deque()
        self._instances: dict[int, ElementInstance] = {}
        self._new: set[int] = set()
        self._dirty: set[int] = set()
        self._savepoints = 0

    # ------------------------------------------------------------------ records and effects

    def record(
        self,
        value_type: str,
        intent: str,
        key: int,
        value: dict[str, Any] | str,
        *,
        process_instance_key: int | None = None,
        record_type: RecordType = RecordType.EVENT,
    ) -> None:
        """Append a record; ``value`` is a JSON-ready dict or already-encoded JSON text."""
        text = value if isinstance(value, str) else dumps(value)
        self.records.append((record_type.value, value_type, intent, key, self.now, process_instance_key, text))

    def on_commit(self, effect: Callable[[], None]) -> None:
        """Run ``effect`` after the transaction holding this command has committed."""
        self.after_commit.append(effect)

    def push(self, kind: str, key: int, **args: Any) -> None:
        self.steps.append(Step(kind, key, args))

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """Run a block that may raise; on any exception undo its writes, records and steps.

        Cached element instances keep their identity: their fields are restored in place, so a
        caller holding one still sees the state the database was rolled back to.
        """
        self.flush_instances()
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        marks = (len(self.records), len(self.after_commit), len(self.steps))
        snapshot = {k: (i.state, i.active_children, i.end_date, i.data) for k, i in self._instances.items()}
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            del self.records[marks[0] :]
            del self.after_commit[marks[1] :]
            while len(self.steps) > marks[2]:
                self.steps.pop()
            for key in list(self._instances):
                saved = snapshot.get(key)
                if saved is None:
                    del self._instances[key]
                else:
                    inst = self._instances[key]
                    inst.state, inst.active_children, inst.end_date, inst.data = saved
            self._new.clear()
            self._dirty.clear()
            raise
        else:
            self.conn.execute(f"RELEASE {name}")

    # ------------------------------------------------------------------ element instances

    def instance(self, key: int) -> ElementInstance | None:
        cached = self._instances.get(key)
        if cached is not None:
            return cached
        shared = self._shared.get(key)
        if shared is not None:
            # used in place; discard() restores it if this command is rolled back
            self._origin[key] = (shared.state, shared.active_children, shared.end_date, shared.data)
            self._instances[key] = shared
            return shared
        row = self.conn.execute("SELECT * FROM element_instances WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        inst = ElementInstance.from_row(row)
        self._instances[key] = inst
        return inst

    def require_instance(self, key: int) -> ElementInstance:
        inst = self.instance(key)
        if inst is None:
            raise LookupError(f"element instance {key} vanished during processing")
        return inst

    # Element-instance writes are buffered per command and flushed before any savepoint, any SQL
    # read of the table and at the end of the command: an element that passes through several
    # states in one command costs one INSERT instead of an INSERT and three UPDATEs.

    def insert_instance(self, inst: ElementInstance) -> None:
        self._instances[inst.key] = inst
        self._new.add(inst.key)

    def set_state(self, inst: ElementInstance, state: str) -> None:
        inst.state = state
        if state in ("COMPLETED", "TERMINATED"):
            inst.end_date = self.now
        self._dirty.add(inst.key)

    def add_children(self, inst: ElementInstance, delta: int) -> None:
        inst.active_children += delta
        self._dirty.add(inst.key)

    def set_data(self, inst: ElementInstance, data: dict[str, Any] | None) -> None:
        inst.data = data
        self._dirty.add(inst.key)

    def flush_instances(self) -> None:
        if self._new:
            self.conn.executemany(
                "INSERT INTO element_instances(key, process_instance_key, definition_key, bpmn_process_id, version,"
                " element_id, element_type, flow_scope_key, state, active_children, start_date, end_date,"
                " parent_process_instance_key, parent_element_instance_key, tenant_id, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (i.key, i.process_instance_key, i.definition_key, i.bpmn_process_id, i.version, i.element_id,
                     i.element_type, i.flow_scope_key, i.state, i.active_children, i.start_date, i.end_date,
                     i.parent_process_instance_key, i.parent_element_instance_key, i.tenant_id,
                     None if i.data is None else dumps(i.data))
                    for i in (self._instances[k] for k in sorted(self._new))
                ],
            )
            self._dirty -= self._new
            self._new.clear()
        if self._dirty:
            self.conn.executemany(
                "UPDATE element_instances SET state = ?, active_children = ?, end_date = ?, data = ? WHERE key = ?",
                [
                    (i.state, i.active_children, i.end_date, None if i.data is None else dumps(i.data), i.key)
                    for i in (self._instances[k] for k in self._dirty)
                ],
            )
            self._dirty.clear()

    def discard(self) -> None:
        """The command was rolled back: put the shared instances it touched back as they were."""
        for key, (state, children, end_date, data) in self._origin.items():
            inst = self._shared.get(key)
            if inst is not None:
                inst.state, inst.active_children, inst.end_date, inst.data = state, children, end_date, data
        self._origin.clear()

    def publish(self) -> None:
        """The command succeeded: make its element instances the shared view for the next ones."""
        for key, inst in self._instances.items():
            if inst.state in ("COMPLETED", "TERMINATED"):
                self._shared.pop(key, None)
            else:
                self._shared[key] = inst

    def live_children(self, scope_key: int) -> list[ElementInstance]:
        self.flush_instances()
        rows = self.conn.execute(
            "SELECT key FROM element_instances WHERE flow_scope_key = ?"
            " AND state NOT IN ('COMPLETED', 'TERMINATED') ORDER BY key",
            (scope_key,),
        ).fetchall()
        return [self.require_instance(r[0]) for r in rows]

    def model(self, definition_key: int) -> DeployedProcess:
        return self.models.get(self.conn, definition_key)
