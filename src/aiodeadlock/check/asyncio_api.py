"""Names of the asyncio/anyio APIs the walker recognises, and small call predicates."""

from __future__ import annotations

import ast

SPAWN_FUNCS = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.gather",
        "asyncio.shield",
        "asyncio.wait_for",
        "asyncio.wait",
        "asyncio.as_completed",
        "asyncio.run",
        "asyncio.run_coroutine_threadsafe",
        "asyncio.tasks.create_task",
        "asyncio.tasks.ensure_future",
        "asyncio.tasks.gather",
    }
)
JOIN_FUNCS = frozenset(
    {"asyncio.gather", "asyncio.wait", "asyncio.tasks.gather", "asyncio.shield", "asyncio.wait_for"}
)
TASK_FUNCS = frozenset(
    {"asyncio.create_task", "asyncio.ensure_future", "asyncio.tasks.create_task"}
)
TASKGROUPS = frozenset(
    {"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup", "anyio.create_task_group"}
)
TIMEOUTS = frozenset(
    {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "asyncio.timeouts.timeout",
        "asyncio.timeouts.timeout_at",
        "async_timeout.timeout",
        "anyio.fail_after",
        "anyio.move_on_after",
    }
)
RCTS = frozenset({"asyncio.run_coroutine_threadsafe", "asyncio.tasks.run_coroutine_threadsafe"})
WAIT_METHODS = frozenset({"wait", "wait_for", "get"})
SIGNAL_METHODS = frozenset({"set", "notify", "notify_all", "put_nowait"})


def nonblocking(call: ast.Call) -> bool:
    """True if an acquire/get/put/wait call cannot block (blocking=False or timeout=0)."""
    for kw in call.keywords:
        v = kw.value
        if kw.arg in ("blocking", "block") and isinstance(v, ast.Constant) and v.value is False:
            return True
        if kw.arg == "timeout" and isinstance(v, ast.Constant) and v.value == 0:
            return True
    return False


def is_acquire(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "acquire"
    )


def expects_raise(c: ast.Call) -> bool:
    """`pytest.raises(...)` / `self.assertRaises(...)`: the code inside is expected to fail."""
    func = c.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("raises", "assertRaises", "assertRaisesRegex")


def _none(v: ast.expr) -> bool:
    return isinstance(v, ast.Constant) and v.value is None


def bounded_join(q: str | None, c: ast.Call) -> bool:
    """True if the join `q(...)` can return before the awaited tasks finish."""
    if q == "asyncio.wait":
        return bounded_wait(c)
    if q == "asyncio.wait_for":
        if len(c.args) > 1 and not _none(c.args[1]):
            return True
        return any(kw.arg == "timeout" and not _none(kw.value) for kw in c.keywords)
    return False


def bounded_wait(c: ast.Call) -> bool:
    """`asyncio.wait(..., timeout=t)` or `return_when=FIRST_*`: may return before all finish."""
    if len(c.args) > 1:
        return True
    for kw in c.keywords:
        v = kw.value
        if kw.arg == "timeout" and not (isinstance(v, ast.Constant) and v.value is None):
            return True
        if kw.arg == "return_when" and not (
            isinstance(v, ast.Attribute) and v.attr == "ALL_COMPLETED"
        ):
            return True
    return False
