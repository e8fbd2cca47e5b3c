"""Custom context managers: the lock a `with X(...)` / `async with f(...)` item holds.

Three shapes hold a lock for the body of the block:
- a class whose `__aenter__` (`__enter__`) acquires a lock that its `__aexit__` (`__exit__`)
  releases; the lock is a global, or an attribute bound to an `__init__` parameter, and then
  it is the argument the block passed (an attribute given a fresh lock is private to the
  manager object and is not counted);
- a `contextlib.(async)contextmanager` generator that holds a lock at its `yield`;
- a function or method that returns one of these (`return _Locked(self._lock)`).
"""

from __future__ import annotations

from aiodeadlock.check.project import Project
from aiodeadlock.check.summary import Call, FuncSummary

_DEPTH = 3
_HOOKS = {"aenter": ("__aenter__", "__aexit__"), "enter": ("__enter__", "__exit__")}


def with_lock(p: Project, fn: FuncSummary, call: Call, depth: int = 0) -> str | None:
    """The lock (a ref in `fn`'s frame) held inside the `with` item `call`, if any."""
    memo: dict[tuple[str, object, str], str | None] = p.memo.setdefault("with_lock", {})
    key = (fn.qual, call.at, call.mode)
    if key not in memo:
        memo[key] = None  # recursion ends here
        memo[key] = _resolve(p, fn, call, depth)
    return memo[key]


def held_ref(p: Project, fn: FuncSummary, ref: str) -> str | None:
    """A held ref of `fn` with `w:LINE:COL` (a with item) replaced by the lock it holds."""
    if not ref.startswith("w:"):
        return ref
    for call in fn.calls:
        if call.mode in _HOOKS and ref == f"w:{call.at.line}:{call.at.col}":
            return with_lock(p, fn, call)
    return None


def _resolve(p: Project, fn: FuncSummary, call: Call, depth: int) -> str | None:
    if depth > _DEPTH or call.mode not in _HOOKS:
        return None
    cls = p.constructed(call)
    if cls is not None:
        return _class_lock(p, call, cls)
    target = p.resolve(call)
    if target is None:
        return None
    factory = p.functions[target]
    if factory.cm_factory:
        for ref in factory.yield_held:
            lock = p.subst(call, factory, ref)
            if lock is not None:
                return lock
        return None
    for at in factory.returns:
        for inner in factory.calls:
            if inner.at == at:
                returned = with_lock(p, factory, inner._replace(mode=call.mode), depth + 1)
                if returned is not None:
                    return p.subst(call, factory, returned)
    return None


def _class_lock(p: Project, call: Call, cls: str) -> str | None:
    """The lock a manager class holds between its enter and exit hooks, in the caller's frame."""
    enter_name, exit_name = _HOOKS[call.mode]
    enter = p.hierarchy.lookup(cls, enter_name)
    leave = p.hierarchy.lookup(cls, exit_name)
    if enter is None or leave is None:
        return None
    freed = _explicit(p, p.functions[leave], "rel", 0)
    for ref in _explicit(p, p.functions[enter], "acq", 0):
        if ref not in freed:
            continue
        if ref.startswith("g:"):
            return ref
        for qual, value in p.binds.get(ref, ()):
            init = p.functions.get(qual)
            constructor = qual.endswith(".__init__")
            if init is not None and constructor and value.startswith("p:") and "." not in value:
                arg = p.arg_ref(call, init, value[2:])
                if arg is not None:
                    return arg
    return None


def _explicit(p: Project, fn: FuncSummary, op: str, depth: int) -> list[str]:
    """Refs explicitly acquired ("acq") or released ("rel") by a method and its `self` calls."""
    out = [
        p.canon(e.ref) for e in fn.events if e.op == op and (op == "rel" or e.detail == "acquire")
    ]
    if depth < _DEPTH:
        for call in fn.calls:
            target = p.resolve(call) if call.via == "self" else None
            if target is not None:
                out.extend(_explicit(p, p.functions[target], op, depth + 1))
    return out
