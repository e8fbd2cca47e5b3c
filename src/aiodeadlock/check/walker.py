"""Walk one function body tracking the locks that are certainly held at each point."""

from __future__ import annotations

import ast

from aiodeadlock.check.asyncio_api import (
    JOIN_FUNCS,
    RCTS,
    SIGNAL_METHODS,
    SPAWN_FUNCS,
    TASK_FUNCS,
    TASKGROUPS,
    TIMEOUTS,
    WAIT_METHODS,
    bounded_join,
    expects_raise,
    is_acquire,
    nonblocking,
)
from aiodeadlock.check.function import FunctionContext, children
from aiodeadlock.check.summary import Call, Event, Held, Join, Loc, Rcts

HeldSet = tuple[Held, ...]


def meet(a: HeldSet | None, b: HeldSet | None) -> HeldSet | None:
    """Locks held on both paths (None means the path does not continue)."""
    if a is None:
        return b
    if b is None:
        return a
    refs = {h.ref for h in b}
    return tuple(h for h in a if h.ref in refs)


class Walker:
    """Collect events, calls, joins and suspension points of one function."""

    def __init__(self, f: FunctionContext) -> None:
        self.f = f
        self.events: list[Event] = []
        self.calls: list[Call] = []
        self.joins: list[Join] = []
        self.rcts: list[Rcts] = []
        self.awaits: list[tuple[str, Loc]] = []
        self.yield_held: HeldSet | None = None  # locks held at every `yield` (None: no yield)
        self.returns: list[Loc] = []
        self.suspends: list[tuple[Loc, HeldSet]] = []
        self.task_assigns: list[tuple[str, Call]] = []
        self.task_locals: dict[str, Call] = {}
        self.rcts_locals: dict[str, str | None] = {}  # future variable -> the loop's ref
        self.groups: dict[str, list[Call]] = {}
        self._releases: set[str] | None = None
        self.real_held: dict[Loc, HeldSet] = {}
        self.bounded = 0  # > 0 inside `async with asyncio.timeout(...)`: waits end by timeout

    def _h(self, held: HeldSet) -> HeldSet:
        """Held set to record: none inside a timeout scope (nothing there waits forever)."""
        return () if self.bounded else held

    def _join(self, join: Join) -> None:
        if not self.bounded:
            self.joins.append(join)

    def run(self) -> Walker:
        """Walk the function body; return self."""
        if self.f.plain:
            return self._plain_calls()
        self.block(self.f.body, ())
        return self

    def _plain_calls(self) -> Walker:
        """A plain function (see FunctionContext.plain) holds nothing and waits for nothing:
        only its calls, and the calls it returns, are facts."""
        f = self.f
        for node in f.of(ast.Call):
            assert isinstance(node, ast.Call)
            self._record(node, (), "plain")
        for node in f.of(ast.Return):
            value = getattr(node, "value", None)
            if isinstance(value, ast.Call):
                self.returns.append(f.loc(value))
        return self

    # -- statements ------------------------------------------------------------------------
    def block(self, stmts: list[ast.stmt], held: HeldSet | None) -> HeldSet | None:
        """Walk statements in order; return the held set after them (None: no fallthrough)."""
        for stmt in stmts:
            if held is None:
                return None
            held = self.stmt(stmt, held)
        return held

    def stmt(self, s: ast.stmt, held: HeldSet) -> HeldSet | None:
        """Walk one statement."""
        f = self.f
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return held
        if isinstance(s, ast.Expr):
            return self._expr_stmt(s.value, held)
        if isinstance(s, (ast.Assign, ast.AnnAssign)) and s.value is not None:
            targets: list[ast.expr] = list(s.targets) if isinstance(s, ast.Assign) else [s.target]
            spawned = self.expr(s.value, held)
            self._bind(targets, s.value, spawned)
            return held
        if isinstance(s, (ast.Return, ast.Raise)):
            if isinstance(s, ast.Return) and isinstance(s.value, ast.Call):
                self.returns.append(f.loc(s.value))
            for child in children(s):
                if isinstance(child, ast.expr):
                    self.expr(child, held)
            return None
        if isinstance(s, (ast.Break, ast.Continue)):
            return None
        if isinstance(s, ast.If):
            self.expr(s.test, held)
            return meet(self.block(s.body, held), self.block(s.orelse, held))
        if isinstance(s, ast.While):
            self.expr(s.test, held)
            self.block(s.body, held)
            self.block(s.orelse, held)
            return held
        if isinstance(s, (ast.For, ast.AsyncFor)):
            self.expr(s.iter, held)
            if isinstance(s, ast.AsyncFor):
                self.suspends.append((f.loc(s), held))
            end = self.block(s.body, held)
            self.block(s.orelse, held)
            return meet(held, end) if end is not None else held
        if isinstance(s, (ast.With, ast.AsyncWith)):
            return self._with(s, held)
        if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            return self._try(s, held)  # type: ignore[arg-type]
        if isinstance(s, ast.Match):
            self.expr(s.subject, held)
            after: HeldSet | None = held
            for case in s.cases:
                after = meet(after, self.block(case.body, held))
            return after
        for child in children(s):
            if isinstance(child, ast.expr):
                self.expr(child, held)
        return held

    def _released(self, ref: str) -> bool:
        """True if this function itself releases `ref` (else an acquire is a hand-off)."""
        if self._releases is None:
            found: set[str] = set()
            for node in self.f.nodes:
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "release"
                ):
                    r = self.f.ref_of(node.func.value)
                    if r:
                        found.add(r)
            self._releases = found
        return ref in self._releases or self._private(ref)

    def _private(self, ref: str) -> bool:
        """A local lock used only by `x.acquire()`, `x.locked()`, `with x`: no one else frees it."""
        prefix = f"l:{self.f.qual}:"
        if not ref.startswith(prefix):
            return False
        name = ref[len(prefix) :]
        links = self.f.parent_links()
        for node in self.f.of(ast.Name):
            if not isinstance(node, ast.Name) or node.id != name:
                continue
            parent = links.get(node)
            if isinstance(node.ctx, ast.Store) or isinstance(parent, ast.withitem):
                continue
            if isinstance(parent, ast.Attribute) and parent.attr in ("acquire", "locked"):
                continue
            return False
        for nested in self.f.of(ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(nested)):
                return False
        return True

    def _expr_stmt(self, v: ast.expr, held: HeldSet) -> HeldSet:
        f = self.f
        if isinstance(v, ast.Call) and not is_acquire(v):
            inner = [a for a in v.args if isinstance(a, ast.Await)]
            if len(inner) == 1 and is_acquire(inner[0].value):
                v = inner[0]  # e.g. self.assertTrue(await lock.acquire())
        call = v.value if isinstance(v, ast.Await) else v
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            ref = f.ref_of(call.func.value)
            name = call.func.attr
            if ref and name == "acquire" and (isinstance(v, ast.Await) or not nonblocking(call)):
                if isinstance(v, ast.Await):
                    self.suspends.append((f.loc(v), held))
                self.events.append(Event("acq", ref, f.loc(call), self._h(held), "acquire"))
                for arg in call.args:
                    self.expr(arg, held)
                if not self._released(ref) or not (isinstance(v, ast.Await) or f.is_async):
                    return (
                        held  # a hand-off, or a thread lock that may be released by another thread
                    )
                return (*held, Held(ref, f.loc(call), None))
            if ref and name == "release":
                self.expr(v, held)
                self.events.append(Event("rel", ref, f.loc(call), (), "release"))
                return tuple(h for h in held if h.ref != ref)
        self.expr(v, held)
        return held

    def _bind(self, targets: list[ast.expr], value: ast.expr, spawned: list[Call]) -> None:
        f = self.f
        is_task = False
        if isinstance(value, ast.Call):
            q = f.qualname(value.func)
            is_task = q in TASK_FUNCS or (
                isinstance(value.func, ast.Attribute)
                and value.func.attr in ("create_task", "ensure_future")
            )
            if q in RCTS:
                for t in targets:
                    if isinstance(t, ast.Name):
                        self.rcts_locals[t.id] = self._loop_ref(value)
        if not (is_task and len(spawned) == 1):
            return
        for t in targets:
            if isinstance(t, ast.Name):
                self.task_locals[t.id] = spawned[0]
            else:
                ref = f.ref_of(t)
                if ref and ref[0] in "ag":
                    self.task_assigns.append((ref, spawned[0]))

    def _with(self, s: ast.With | ast.AsyncWith, held: HeldSet) -> HeldSet | None:
        f = self.f
        inner = held
        group: str | None = None
        added: list[Held] = []
        bounded = 0
        for item in s.items:
            ce = item.context_expr
            if not (isinstance(ce, ast.Call) and f.callee(ce.func)):
                self.expr(ce, inner)
            if isinstance(s, ast.AsyncWith):
                self.suspends.append((f.loc(ce), inner))
            if isinstance(ce, ast.Call) and (f.qualname(ce.func) in TIMEOUTS or expects_raise(ce)):
                bounded += 1
                continue
            if isinstance(ce, ast.Call) and f.qualname(ce.func) in TASKGROUPS:
                if isinstance(item.optional_vars, ast.Name):
                    group = item.optional_vars.id
                    self.groups[group] = []
                continue
            ref = f.ref_of(ce)
            if ref is None and isinstance(ce, ast.Call) and f.callee(ce.func):
                # a context manager built by a call: pass 2 finds the lock it holds, if any
                at = f.loc(ce)
                ref = f"w:{at.line}:{at.col}"
                mode = "aenter" if isinstance(s, ast.AsyncWith) else "enter"
                self.call(ce, inner, mode)
            elif ref:
                kind = "async with" if isinstance(s, ast.AsyncWith) else "with"
                self.events.append(Event("acq", ref, f.loc(ce), self._h(inner), kind))
            if ref:
                h = Held(ref, f.loc(ce), None)
                added.append(h)
                inner = (*inner, h)
        self.bounded += bounded
        end = self.block(s.body, inner)
        self.bounded -= bounded
        if group is not None:
            calls = tuple(self.groups.pop(group, []))
            self._join(Join(f.loc(s), held, calls, ()))
        if end is None:
            return None
        return tuple(h for h in end if h not in added)

    def _try(self, s: ast.Try, held: HeldSet) -> HeldSet | None:
        body = self.block(s.body, held)
        ends = [self.block(s.orelse, body) if body is not None else None]
        for handler in s.handlers:
            if handler.type is not None:
                self.expr(handler.type, held)
            ends.append(self.block(handler.body, held))
        end: HeldSet | None = None
        for e in ends:
            end = meet(end, e)
        if s.finalbody:
            after = self.block(s.finalbody, end if end is not None else held)
            return after if end is not None else None
        return end

    # -- expressions -----------------------------------------------------------------------
    def expr(self, node: ast.expr, held: HeldSet, mode: str = "plain") -> list[Call]:
        """Walk an expression; return the calls it spawns as tasks (if it is a spawner)."""
        if isinstance(node, ast.Await):
            self.suspends.append((self.f.loc(node), held))
            v = node.value
            if isinstance(v, ast.Call):
                return self.call(v, held, "await")
            self._await_value(node, v, held)
            self.expr(v, held)
            return []
        if isinstance(node, ast.Call):
            return self.call(node, held, mode)
        if isinstance(node, (ast.Lambda, ast.Name, ast.Constant)):
            return []
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            self.yield_held = meet(self.yield_held, held)
        for child in children(node):
            if isinstance(child, ast.expr):
                self.expr(child, held)
            elif isinstance(child, ast.comprehension):
                for sub in children(child):
                    if isinstance(sub, ast.expr):
                        self.expr(sub, held)
        return []

    def _await_value(self, node: ast.Await, v: ast.expr, held: HeldSet) -> None:
        f = self.f
        ref = f.ref_of(v)
        if ref:
            self.awaits.append((ref, f.loc(node)))
        if isinstance(v, ast.Name) and v.id in self.task_locals:
            self._join(Join(f.loc(node), held, (self.task_locals[v.id],), ()))
        elif ref and ref[0] in "ag":
            self._join(Join(f.loc(node), held, (), (ref,)))

    def _spawn_args(self, c: ast.Call, held: HeldSet) -> tuple[list[Call], list[Call], list[str]]:
        spawned: list[Call] = []
        tasks: list[Call] = []
        refs: list[str] = []
        args: list[ast.expr] = []
        for a in [*c.args, *(k.value for k in c.keywords)]:
            if isinstance(a, ast.Starred):
                a = a.value
            args.extend(a.elts if isinstance(a, (ast.List, ast.Tuple, ast.Set)) else [a])
        for a in args:
            if isinstance(a, ast.Call):
                spawned.extend(self.call(a, held, "spawn"))
                continue
            self.expr(a, held)
            if isinstance(a, ast.Name) and a.id in self.task_locals:
                tasks.append(self.task_locals[a.id])
            else:
                ref = self.f.ref_of(a)
                if ref and ref[0] in "ag":
                    refs.append(ref)
        return spawned, tasks, refs

    def call(self, c: ast.Call, held: HeldSet, mode: str) -> list[Call]:
        """Walk a call; record it and the primitive operation it performs."""
        f = self.f
        func = c.func
        q = f.qualname(func)
        name = func.attr if isinstance(func, ast.Attribute) else None
        if q in SPAWN_FUNCS or name in ("create_task", "ensure_future"):
            spawned, tasks, refs = self._spawn_args(c, held)
            bounded = bounded_join(q, c)
            if mode == "await" and q in JOIN_FUNCS and not bounded:
                self._join(Join(f.loc(c), held, (*spawned, *tasks), tuple(refs)))
            if name == "create_task" and isinstance(func, ast.Attribute):
                base = func.value
                if isinstance(base, ast.Name) and base.id in self.groups:
                    self.groups[base.id].extend(spawned)
            return spawned
        if name in ("start_soon", "start") and isinstance(func, ast.Attribute):
            base = func.value
            if isinstance(base, ast.Name) and base.id in self.groups and c.args:
                target = f.callee(c.args[0])
                for a in c.args[1:]:
                    self.expr(a, held)
                if target:
                    argrefs = tuple(f.ref_of(a) for a in c.args[1:])
                    call = Call(target[0], target[1], argrefs, (), f.loc(c), self._h(held), "spawn")
                    self.calls.append(call)
                    self.groups[base.id].append(call)
                return []
        if isinstance(func, ast.Attribute):
            self._method(c, func, held, mode)
        for a in c.args:
            self.expr(a.value if isinstance(a, ast.Starred) else a, held)
        for kw in c.keywords:
            self.expr(kw.value, held)
        recorded = self._record(c, held, mode)
        if recorded is None:
            if not isinstance(func, (ast.Name, ast.Attribute)):
                self.expr(func, held)
            elif isinstance(func, ast.Attribute):
                self.expr(func.value, held)
            return []
        return [recorded] if mode == "spawn" else []

    def _record(self, c: ast.Call, held: HeldSet, mode: str) -> Call | None:
        """Record a call of a function the project may define, with its arguments' refs."""
        f = self.f
        target = f.callee(c.func)
        if target is None:
            return None
        args: list[str | None] = []
        for a in c.args:
            if isinstance(a, ast.Starred):
                break
            args.append(f.ref_of(a) or f.key_ref(a))
        kwargs = tuple(
            (kw.arg, f.ref_of(kw.value) or f.key_ref(kw.value)) for kw in c.keywords if kw.arg
        )
        call = Call(target[0], target[1], tuple(args), kwargs, f.loc(c), self._h(held), mode)
        self.calls.append(call)
        return call

    def _loop_ref(self, rcts: ast.Call) -> str | None:
        """The ref of the loop argument of `run_coroutine_threadsafe(coro, loop)`."""
        loop = rcts.args[1] if len(rcts.args) > 1 else None
        for kw in rcts.keywords:
            if kw.arg == "loop":
                loop = kw.value
        return self.f.ref_of(loop) if loop is not None else None

    def _method(self, c: ast.Call, func: ast.Attribute, held: HeldSet, mode: str) -> None:
        f = self.f
        name = func.attr
        recv = func.value
        if name == "result":
            bounded = bool(c.args) or any(
                kw.arg == "timeout"
                and not (isinstance(kw.value, ast.Constant) and kw.value.value is None)
                for kw in c.keywords
            )
            if isinstance(recv, ast.Call) and f.qualname(recv.func) in RCTS:
                self.rcts.append(Rcts(f.loc(c), self._loop_ref(recv), bounded))
            elif isinstance(recv, ast.Name) and recv.id in self.rcts_locals:
                self.rcts.append(Rcts(f.loc(c), self.rcts_locals[recv.id], bounded))
            return
        ref = f.ref_of(recv)
        if ref is None:
            return
        if name in ("wait", "wait_for", "notify", "notify_all"):
            self.real_held[f.loc(c)] = held
        if name == "acquire" and mode == "await":
            self.events.append(Event("acq", ref, f.loc(c), self._h(held), "acquire"))
        elif name in WAIT_METHODS and mode == "await":
            self.events.append(Event("wait", ref, f.loc(c), self._h(held), name))
        elif name in SIGNAL_METHODS or (name == "put" and mode == "await"):
            self.events.append(Event("signal", ref, f.loc(c), self._h(held), name))
