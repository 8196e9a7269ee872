"""Zeebe-shaped int64 keys: the partition id in the high bits, a counter below.

Zeebe encodes ``(partitionId << 51) + counter``; this engine runs one partition (id 1), so its
keys start at ``(1 << 51) + 1`` = 2251799813685249 like a fresh single-partition cluster. The next
counter value is persisted in the same transaction as the records that used the keys, so keys are
never reused after a crash.
"""

from __future__ import annotations

__all__ = ["KEY_BITS", "PARTITION_ID", "KeyGenerator", "first_key", "partition_of"]

KEY_BITS = 51
PARTITION_ID = 1


def first_key(partition_id: int = PARTITION_ID) -> int:
    return (partition_id << KEY_BITS) + 1


def partition_of(key: int) -> int:
    return key >> KEY_BITS


class KeyGenerator:
    """Hands out increasing keys; ``peek`` is what the store persists at the end of a command."""

    __slots__ = ("_next",)

    def __init__(self, next_key: int | None = None) -> None:
        self._next = first_key() if next_key is None else next_key

    def next(self) -> int:
        key = self._next
        self._next += 1
        return key

    def peek(self) -> int:
        return self._next

    def reset_to(self, next_key: int) -> None:
        self._next = next_key
