"""Which files are worth parsing: async code, or code that names synchronization objects."""

from __future__ import annotations

from collections.abc import Sequence

# Words that make a file relevant wherever they stand.
_ANYWHERE = (b"allocate_lock", b".acquire(", b"run_coroutine_threadsafe", b"current_task", b"anyio")
# Type names of primitives: relevant when used as a name (`Lock(`, `Lock)`, `Lock]`, ...),
# not inside other words ("Blocking" has no capital L; "Conditions" goes on with a letter).
_TYPES = (b"Lock", b"Semaphore", b"Condition", b"Barrier")
_AFTER_TYPE = frozenset(b"()],|=:\n")
_SPACE = b" \t\\\n"


def _async_def(data: bytes) -> bool:
    """`async def` occurs (await, async with and async for can only occur inside one)."""
    start = data.find(b"async")
    while start != -1:
        end = start + 5
        rest = data[end : end + 24].lstrip(_SPACE)
        before = data[start - 1 : start]
        if (
            rest.startswith(b"def")
            and rest[3:4] in (b" ", b"\t", b"\\")
            and data[end : end + 1] in (b" ", b"\t", b"\\")
            and not (before.isalnum() or before == b"_")
        ):
            return True
        start = data.find(b"async", end)
    return False


def _type_name(data: bytes, word: bytes) -> bool:
    start = data.find(word)
    while start != -1:
        end = start + len(word)
        nxt = data[end : end + 16].lstrip(b" \t")[:1]
        if nxt and nxt[0] in _AFTER_TYPE:
            return True
        start = data.find(word, end)
    return False


class RelevanceFilter:
    """Decides from a file's bytes whether pass 1 can find anything in it."""

    def __init__(self, extra: Sequence[str]) -> None:
        self.extra = tuple(n.rpartition(".")[2].encode() for n in extra)

    def search(self, data: bytes) -> bool:
        """True if `data` has async code, a synchronization word, or a configured type name."""
        if any(w in data for w in self.extra) or any(w in data for w in _ANYWHERE):
            return True
        return _async_def(data) or any(_type_name(data, w) for w in _TYPES)
