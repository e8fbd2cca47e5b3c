"""DL212: a lock still held when the function returns on some paths but not others."""

from __future__ import annotations

import ast

from aiodeadlock.check.asyncio_api import nonblocking
from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import candidate, method_call, short
from aiodeadlock.check.summary import Candidate, Loc, Related
from aiodeadlock.check.walker import Walker

State = frozenset[str]
_CAP = 64


class _Paths:
    """Enumerate (approximately) the sets of explicitly acquired refs along paths."""

    def __init__(self, f: FunctionContext) -> None:
        self.f = f
        self.exits: list[tuple[Loc, State, bool]] = []
        self.acquired: dict[str, Loc] = {}
        self.released: set[str] = set()
        self.conditional: set[str] = set()
        self.depth = 0
        self.finally_stack: list[list[ast.stmt]] = []

    def block(self, stmts: list[ast.stmt], states: set[State]) -> set[State]:
        for stmt in stmts:
            if not states:
                return states
            states = self.stmt(stmt, states)
            if len(states) > _CAP:
                states = set(list(states)[:_CAP])
        return states

    def _explicit(self, stmt: ast.Expr) -> tuple[str, str] | None:
        v = stmt.value
        awaited = isinstance(v, ast.Await)
        m = method_call(v.value if isinstance(v, ast.Await) else v, "acquire", "release")
        if m is None:
            return None
        if m[2] == "acquire" and not awaited and (nonblocking(m[0]) or m[0].args):
            return None
        if m[2] == "acquire" and not awaited and not self.f.is_async:
            return None  # thread locks in sync code are often cross-thread signals
        ref = self.f.ref_of(m[1])
        return (m[2], ref) if ref else None

    def stmt(self, s: ast.stmt, states: set[State]) -> set[State]:
        if isinstance(s, ast.Expr):
            op = self._explicit(s)
            if op and op[0] == "acquire":
                self.acquired.setdefault(op[1], self.f.loc(s))
                if self.depth:
                    self.conditional.add(op[1])
                return {st | {op[1]} for st in states}
            if op:
                self.released.add(op[1])
                return {st - {op[1]} for st in states}
            return states
        if isinstance(s, ast.Return):
            returns_value = s.value is not None and not (
                isinstance(s.value, ast.Constant) and s.value.value is None
            )
            saved = self.finally_stack
            for i in range(len(saved) - 1, -1, -1):
                self.finally_stack = saved[:i]
                states = self.block(saved[i], states)
            self.finally_stack = saved
            self.exits.extend((self.f.loc(s), st, returns_value) for st in states)
            return set()
        if isinstance(s, ast.Raise):
            return set()
        if isinstance(s, ast.If):
            # a conditional release after a conditional acquire: assume the same condition
            self.depth += 1
            before = set(self.released)
            out = self.block(s.body, states) | self.block(s.orelse, states)
            self.depth -= 1
            drop = self.released & self.conditional
            m = method_call(s.test, "locked")
            guard = self.f.ref_of(m[1]) if m else None
            if guard and guard in self.released - before:
                drop = drop | {guard}  # `if lock.locked(): lock.release()` releases on every path
            if drop:
                out = {st - drop for st in out}
            return out
        if isinstance(s, (ast.While, ast.For, ast.AsyncFor)):
            return self.block(s.body, states) | self.block(s.orelse, states) | states
        if isinstance(s, (ast.With, ast.AsyncWith)):
            return self.block(s.body, states)
        if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            if s.finalbody:  # type: ignore[attr-defined]
                self.finally_stack.append(s.finalbody)  # type: ignore[attr-defined]
            body = self.block(s.body, states)  # type: ignore[attr-defined]
            ends = self.block(s.orelse, body) if s.orelse else body  # type: ignore[attr-defined]
            for h in s.handlers:  # type: ignore[attr-defined]
                ends = ends | self.block(h.body, states)
            if s.finalbody:  # type: ignore[attr-defined]
                self.finally_stack.pop()
            if s.finalbody:  # type: ignore[attr-defined]
                return self.block(s.finalbody, ends) if ends else set()  # type: ignore[attr-defined]
            return ends
        if isinstance(s, ast.Match):
            merged: set[State] = set(states)
            for case in s.cases:
                merged |= self.block(case.body, states)
            return merged
        return states


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Flag returns where an explicitly acquired lock is held though other returns free it."""
    if f.is_module or not isinstance(f.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    if not any(e.op == "rel" for e in w.events):
        return []  # only a function that releases a lock it acquired can hold it at some exits
    paths = _Paths(f)
    end = paths.block(f.body, {frozenset()})
    last = f.body[-1]
    end_loc = Loc(f.scope.path, getattr(last, "end_lineno", None) or last.lineno, 1)
    paths.exits.extend((end_loc, st, False) for st in end)
    out: list[Candidate] = []
    for ref, acq in paths.acquired.items():
        if ref not in paths.released:
            continue  # a wrapper that hands the lock to its caller
        held = [(at, rv) for at, st, rv in paths.exits if ref in st]
        free = [at for at, st, _ in paths.exits if ref not in st]
        if not held or not free or any(rv for _, rv in held):
            continue
        name = short(f, ref)
        for at in sorted({at for at, _ in held}):
            out.append(
                candidate(
                    f,
                    "DL212",
                    at,
                    f"{{kind}} {name} is still held when the function returns here, but "
                    "released on other paths: every later acquire waits forever",
                    ref,
                    "lock",
                    (Related(acq, f"{name} acquired here"),),
                )
            )
    return out


RULE = Rule(
    "DL212",
    "held-at-exit",
    "A lock acquired with acquire() is still held at some function exits but released at others.",
    "Release on every path: use `async with lock:` or try/finally.",
    scan=scan,
)
