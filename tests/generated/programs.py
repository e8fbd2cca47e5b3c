"""Random asyncio programs whose outcome is known by construction, and a bounded runner."""

from __future__ import annotations

import asyncio
import linecache
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from aiodeadlock import api
from aiodeadlock.config import Config

Draw = Callable[..., Any]

#: The definite kinds a deadlock family is expected to produce, by code.
SELF_DEADLOCK, WAIT_CYCLE, ORPHANED_LOCK, STALL = "DL101", "DL102", "DL103", "DL105"
CANCEL_IGNORED = "DL108"
#: Cancel requests are recorded when made (3.12+; on 3.11 a cancel is dated from the first
#: scan that sees it, up to a scan period late: too late for these short programs).
RECORDS_CANCELS = sys.version_info >= (3, 12)
HAS_TASKGROUP = sys.version_info >= (3, 11)  # also asyncio.timeout(), asyncio.Barrier
#: wait_for() leaks a lock acquired as its timeout fires before 3.12 (gh-86296).
SAFE_WAIT_FOR = sys.version_info >= (3, 12)
HAS_EAGER = sys.version_info >= (3, 12)
SLEEPS = ("0", "0", "0.001", "0.002", "0.003")


@dataclass
class Program:
    """A generated program: Python source, and the definite finding it must produce (None: none)."""

    family: str
    expect: str | None
    source: str
    #: A potential finding the program must produce where it can be detected (by code).
    potential: str | None = None

    def __repr__(self) -> str:
        return "\n" + self.source

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis shows a failing example: the source, ready to copy and run."""
        printer.text(repr(self))


# -- completing programs ----------------------------------------------------------
#
# Why every program of this generator completes (whatever the interleaving):
# * locks, and semaphores marked "ordered", are taken in one global order (by index in
#   `order`), never twice by one task, and always released (async with, try/finally);
# * a "slack" semaphore of capacity c may be taken in any order, but at most c - 1 tasks
#   take anything else while holding it; any other holder only does non-blocking work
#   (sleep, set, put, to_thread, timed waits) before it releases, so a permit always
#   comes free;
# * blocking waits on other tasks (Event.wait, Queue.get, Condition.wait_for, awaiting a
#   task, gather children) happen only while holding nothing, and only on what a task
#   with a lower index produces or is; producers are never cancelled and produce
#   unconditionally; queue gets never outnumber the puts made by lower-indexed tasks;
# * any lock or ordered semaphore, even one held, may also be tried with a timeout
#   (asyncio.timeout, or wait_for from 3.12 on): such a wait ends, so a cycle of waits
#   through it does not last, and what follows in order is judged by the highest held;
# * cancelled ("victim") tasks produce nothing and are only awaited with their
#   cancellation handled; a task that may be cancelled never awaits another task directly
#   or through gather() (cancelling it would cancel that task too). By induction on the
#   task index, every task ends. From 3.12 on, a program may use the eager task factory.


@dataclass
class _Spec:
    """What the tasks of one completing program may do (drawn up front)."""

    n_tasks: int
    victims: set[int]
    locks: int
    sems: list[tuple[int, bool, bool]]  # capacity, bounded, slack
    order: list[tuple[str, int]]  # ordered resources: ("L", i) or ("S", i)
    event_producer: dict[int, int]
    queue_split: dict[int, int]
    cond_producer: dict[int, int]
    get_quota: dict[tuple[int, int], int]  # (task, queue) -> gets it may do
    must_any: dict[int, list[str]]  # non-blocking produce statements, per task
    must_free: dict[int, list[list[str]]]  # produce statements needing a lock-free spot
    slack_budget: dict[int, int] = field(default_factory=dict)  # sem -> blocker tasks left
    slack_blockers: dict[int, set[int]] = field(default_factory=dict)
    n_units: int = 1000  # identities of gather children
    eager: bool = False  # eager task factory: a task runs before later tasks exist


@dataclass
class _Ctx:
    """Where in a task a block is generated."""

    task: int  # top-level task index (signals: only from lower indices)
    unit: int  # asyncio task identity (a gather child is its own)
    victim: bool
    held_order: int  # highest position in `order` held (-1: none)
    held_sems: frozenset[int]  # slack semaphores held
    free: bool  # holds nothing at all
    leaf: bool  # may only do non-blocking work
    depth: int


class _Writer:
    """Collects helper coroutine definitions while blocks are generated."""

    def __init__(self, draw: Draw, spec: _Spec, prefix: str = "") -> None:
        self.draw = draw
        self.spec = spec
        self.prefix = prefix
        self.defs: list[list[str]] = []
        self.count = 0

    def helper(self, kind: str, body: list[str]) -> str:
        self.count += 1
        name = f"{self.prefix}{kind}{self.count}"
        self.defs.append([f"async def {name}() -> None:", *_indent(body or ["pass"])])
        return name


def _indent(lines: list[str], n: int = 1) -> list[str]:
    return ["    " * n + line for line in lines]


def _sleep(draw: Draw) -> str:
    return f"await asyncio.sleep({draw(st.sampled_from(SLEEPS))})"


def _timed_wait(draw: Draw, spec: _Spec) -> list[str]:
    """A wait that may never be satisfied, bounded by a timeout."""
    what = draw(st.sampled_from(["NE.wait()", "NQ.get()", *(f"E[{k}].wait()" for k in range(3))]))
    if what.startswith("E[") and int(what[2]) not in spec.event_producer:
        what = "NE.wait()"
    t = draw(st.sampled_from(["0.001", "0.002", "0.004"]))
    if HAS_TASKGROUP and draw(st.booleans()):
        return [
            "try:",
            f"    async with asyncio.timeout({t}):",
            f"        await {what}",
            "except TimeoutError:",
            "    pass",
        ]
    return [
        "try:",
        f"    await asyncio.wait_for({what}, {t})",
        "except asyncio.TimeoutError:",
        "    pass",
    ]


def _block(w: _Writer, ctx: _Ctx, must_any: list[str], must_free: list[list[str]]) -> list[str]:
    """A random sequence of statements; every statement of `must_*` appears exactly once."""
    draw, spec = w.draw, w.spec
    musts = list(must_any)
    frees = list(must_free)
    ops: list[list[str]] = []
    n = draw(st.integers(1 if ctx.depth == 0 else 0, (4, 3, 2)[ctx.depth] if ctx.depth < 3 else 1))
    for step in range(n):
        kinds = ["sleep", "thread", "timed", "cancel"]
        if HAS_TASKGROUP and spec.order:
            kinds.append("try-hold")
        if not ctx.leaf:
            kinds += ["hold", "hold", "hold", "call"]
        if ctx.free and not ctx.leaf:
            kinds += ["event", "get", "cond", "await", "gather"]
        kind = draw(st.sampled_from(kinds))
        if step == 0 and ctx.depth == 0 and spec.order and draw(st.booleans()):
            kind = "hold"  # most tasks take a lock early: they contend
        if kind == "sleep":
            ops.append([_sleep(draw)])
        elif kind == "thread":
            ops.append([f"await asyncio.to_thread(time.sleep, {draw(st.sampled_from(SLEEPS))})"])
        elif kind == "timed":
            ops.append(_timed_wait(draw, spec))
        elif kind == "cancel":
            vs = sorted(v for v in spec.victims if not spec.eager or v < ctx.task)
            if vs:
                ops.append([f"T[{draw(st.sampled_from(vs))}].cancel()"])
        elif kind == "hold":
            ops.extend(_hold(w, ctx, musts) or [])
        elif kind == "try-hold":
            ops.append(_try_hold(w, ctx))
        elif kind == "call":
            k = draw(st.integers(0, len(musts)))
            kf = draw(st.integers(0, len(frees))) if ctx.free else 0
            sub = _Ctx(**{**ctx.__dict__, "depth": ctx.depth + 1})
            body = _block(w, sub, musts[:k], frees[:kf])
            musts, frees = musts[k:], frees[kf:]
            ops.append([f"await {w.helper('h', body)}()"])
        elif kind == "event":
            ks = [k for k, p in spec.event_producer.items() if p < ctx.task]
            if ks:
                ops.append([f"await E[{draw(st.sampled_from(ks))}].wait()"])
        elif kind == "get":
            qs = [q for (t, q), left in spec.get_quota.items() if t == ctx.task and left > 0]
            if qs:
                q = draw(st.sampled_from(qs))
                spec.get_quota[(ctx.task, q)] -= 1
                ops.append([f"await Q[{q}].get()"])
        elif kind == "cond":
            ks = [k for k, p in spec.cond_producer.items() if p < ctx.task]
            if ks:
                k = draw(st.sampled_from(ks))
                ops.append([f"async with C[{k}]:", f"    await C[{k}].wait_for(lambda: F[{k}])"])
        elif kind == "await" and ctx.task > 0:
            ops.append(_await_task(draw, spec, ctx.victim, draw(st.integers(0, ctx.task - 1))))
        elif kind == "gather":
            ops.append(_gather(w, ctx))
    for stmt in musts:
        ops.insert(draw(st.integers(0, len(ops))), [stmt])
    for lines in frees:
        ops.insert(draw(st.integers(0, len(ops))), lines)
    return [line for op in ops for line in op]


def _await_task(draw: Draw, spec: _Spec, victim: bool, j: int) -> list[str]:
    """Wait for T[j] to end. A task that may be cancelled must not await T[j] directly, nor
    through gather(): cancelling it would cancel T[j] too (asyncio propagates it)."""
    forms = [[f"await asyncio.wait([T[{j}]])"]]
    if j in spec.victims:
        forms += [
            [
                "try:",
                f"    await asyncio.shield(T[{j}])",
                "except asyncio.CancelledError:",
                "    pass",
            ]
        ]
        if not victim:
            forms += [
                [f"await asyncio.gather(T[{j}], return_exceptions=True)"],
                ["try:", f"    await T[{j}]", "except asyncio.CancelledError:", "    pass"],
            ]
    else:
        forms += [[f"await asyncio.shield(T[{j}])"]]
        if not victim:
            forms += [[f"await T[{j}]"], [f"await asyncio.gather(T[{j}])"]]
    chosen: list[str] = draw(st.sampled_from(forms))
    return chosen


def _hold(w: _Writer, ctx: _Ctx, musts: list[str]) -> list[list[str]] | None:
    """Take one more resource (respecting the order or a slack budget) around a sub-block."""
    draw, spec = w.draw, w.spec
    choices: list[tuple[str, int, int]] = []  # kind, index, order position (-1: slack)
    for pos, (kind, i) in enumerate(spec.order):
        if pos > ctx.held_order:
            choices.append((kind, i, pos))
    for s, (_cap, _bounded, slack) in enumerate(spec.sems):
        if slack and s not in ctx.held_sems:
            choices.append(("S", s, -1))
    if not choices:
        return None
    kind, i, pos = draw(st.sampled_from(choices))
    leaf = ctx.leaf
    held_sems = ctx.held_sems
    if pos < 0:
        held_sems = held_sems | {i}
        blockers = spec.slack_blockers.setdefault(i, set())
        if ctx.unit not in blockers:
            if spec.slack_budget.get(i, 0) > 0 and draw(st.booleans()):
                spec.slack_budget[i] -= 1
                blockers.add(ctx.unit)
            else:
                leaf = True
    # A unit that blocks while holding a slack semaphore must have been counted.
    for s in ctx.held_sems:
        if ctx.unit not in spec.slack_blockers.get(s, set()):
            leaf = True
    sub = _Ctx(
        task=ctx.task,
        unit=ctx.unit,
        victim=ctx.victim,
        held_order=max(ctx.held_order, pos),
        held_sems=held_sems,
        free=False,
        leaf=leaf,
        depth=ctx.depth + 1,
    )
    k = draw(st.integers(0, len(musts)))
    body = _block(w, sub, musts[:k], [])
    del musts[:k]
    if draw(st.booleans()):  # let other tasks run while it is held: they contend for it
        body.insert(len(body) if draw(st.booleans()) else 0, _sleep(draw))
    body = body or ["pass"]
    name = f"{'L' if kind == 'L' else 'S'}[{i}]"
    if draw(st.booleans()):
        return [[f"async with {name}:", *_indent(body)]]
    return [
        [f"await {name}.acquire()", "try:", *_indent(body), "finally:", f"    {name}.release()"]
    ]


def _try_hold(w: _Writer, ctx: _Ctx) -> list[str]:
    """Take any lock or ordered semaphore, in any order (even one held), with a timeout.

    A wait that times out backs off, so a cycle of waits through it does not last.
    Nothing that must happen goes in its body (it runs only if the acquire succeeded).
    """
    draw, spec = w.draw, w.spec
    pos = draw(st.integers(0, len(spec.order) - 1))
    kind, i = spec.order[pos]
    name = f"{kind}[{i}]"
    sub = _Ctx(**{**ctx.__dict__, "depth": ctx.depth + 1, "free": False})
    sub.held_order = max(ctx.held_order, pos)
    body = _block(w, sub, [], []) or ["pass"]
    t = draw(st.sampled_from(["0.001", "0.002", "0.005"]))
    if SAFE_WAIT_FOR and draw(st.booleans()):
        take = [f"await asyncio.wait_for({name}.acquire(), {t})"]
    else:
        take = [f"async with asyncio.timeout({t}):", f"    await {name}.acquire()"]
    backoff = draw(st.sampled_from([["pass"], [_sleep(draw)]]))
    return [
        "try:",
        *_indent(take),
        "except TimeoutError:",
        *_indent(backoff),
        "else:",
        "    try:",
        *_indent(body, 2),
        "    finally:",
        f"        {name}.release()",
    ]


def _gather(w: _Writer, ctx: _Ctx) -> list[str]:
    """Run 1-3 children (separate tasks) and wait for all of them."""
    draw = w.draw
    names = []
    for _ in range(draw(st.integers(1, 3))):
        w.spec.n_units += 1
        sub = _Ctx(
            task=ctx.task,
            unit=w.spec.n_units,
            victim=ctx.victim,
            held_order=-1,
            held_sems=frozenset(),
            free=True,
            leaf=False,
            depth=ctx.depth + 1,
        )
        names.append(w.helper("c", _block(w, sub, [], [])))
    calls = ", ".join(f"{n}()" for n in names)
    style = draw(st.sampled_from(["gather", "task", "taskgroup", "shield", "wait_for"]))
    if style == "task":
        return [f"await asyncio.create_task({names[0]}())"]
    if style == "shield":
        return [f"await asyncio.shield({names[0]}())"]
    if style == "wait_for":
        return [f"await asyncio.wait_for({names[0]}(), 30)"]
    if style == "taskgroup" and HAS_TASKGROUP:
        return [
            "async with asyncio.TaskGroup() as tg:",
            *(f"    tg.create_task({n}())" for n in names),
        ]
    return [f"await asyncio.gather({calls})"]


@st.composite
def _spec(draw: Draw, max_tasks: int = 6) -> _Spec:
    n = draw(st.integers(2, max_tasks))
    victims = set(draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True)))
    producers = [t for t in range(n) if t not in victims]
    locks = draw(st.sampled_from([1, 1, 2, 2, 3, 4, 0]))
    sems = [
        (draw(st.integers(1, 3)), draw(st.booleans()), draw(st.booleans()))
        for _ in range(draw(st.integers(0, 2)))
    ]
    ordered: list[tuple[str, int]] = [("L", i) for i in range(locks)]
    ordered += [("S", s) for s, (_c, _b, slack) in enumerate(sems) if not slack]
    order = draw(st.permutations(ordered)) if ordered else []
    spec = _Spec(n, victims, locks, sems, list(order), {}, {}, {}, {}, {}, {})
    spec.slack_budget = {s: cap - 1 for s, (cap, _b, slack) in enumerate(sems) if slack}
    for k in range(draw(st.integers(0, 3))):
        if producers:
            p = draw(st.sampled_from(producers))
            spec.event_producer[k] = p
            spec.must_any.setdefault(p, []).append(f"E[{k}].set()")
    for q in range(draw(st.integers(0, 2))):
        split = draw(st.integers(1, max(1, n - 1)))
        qp = [t for t in producers if t < split]
        if not qp or split >= n:
            continue
        spec.queue_split[q] = split
        total = 0
        for t in qp:
            for _ in range(draw(st.integers(0, 2))):
                total += 1
                puts = [f"Q[{q}].put_nowait({total})", f"await Q[{q}].put({total})"]
                stmt = draw(st.sampled_from(puts))
                spec.must_any.setdefault(t, []).append(stmt)
        for t in range(split, n):
            give = draw(st.integers(0, total))
            spec.get_quota[(t, q)] = give
            total -= give
    for k in range(draw(st.integers(0, 1))):
        if producers:
            p = draw(st.sampled_from(producers))
            spec.cond_producer[k] = p
            spec.must_free.setdefault(p, []).append(
                [f"async with C[{k}]:", f"    F[{k}] = True", f"    C[{k}].notify_all()"]
            )
    # Consumers: some waits are certain to be in the program (placed where nothing is held).
    for t in range(n):
        frees = spec.must_free.setdefault(t, [])
        for k, p in spec.event_producer.items():
            if p < t and draw(st.booleans()):
                frees.append([f"await E[{k}].wait()"])
        for k, p in spec.cond_producer.items():
            if p < t and draw(st.booleans()):
                frees.append([f"async with C[{k}]:", f"    await C[{k}].wait_for(lambda: F[{k}])"])
        for (c, q), left in spec.get_quota.items():
            if c == t and left and draw(st.booleans()):
                spec.get_quota[(c, q)] -= 1
                frees.append([f"await Q[{q}].get()"])
        if t and draw(st.booleans()):
            frees.append(_await_task(draw, spec, t in victims, draw(st.integers(0, t - 1))))
    return spec


def _tasks(draw: Draw, spec: _Spec, w: _Writer, name: str = "t") -> tuple[list[str], list[str]]:
    """The task functions (and helpers) of a completing program, and main's cancellations."""
    funcs: list[str] = []
    for t in range(spec.n_tasks):
        ctx = _Ctx(t, t, t in spec.victims, -1, frozenset(), True, False, 0)
        body = _block(w, ctx, spec.must_any.get(t, []), spec.must_free.get(t, []))
        funcs += [f"async def {name}{t}() -> None:", *_indent(body or ["pass"]), ""]
    cancels: list[str] = []
    for v in sorted(spec.victims):
        if draw(st.booleans()):
            cancels += [_sleep(draw), f"T[{v}].cancel()"]
    return funcs, cancels


def _render(
    family: str,
    expect: str | None,
    resources: list[str],
    funcs: list[str],
    helpers: list[list[str]],
    tasks: list[str],
    main_extra: list[str],
) -> str:
    head = [
        f"# family: {family}; expect: {expect or 'completes, no definite finding'}",
        "import asyncio",
        "import time",
        "",
        "L: list = []  # locks",
        "S: list = []  # semaphores",
        "E: list = []  # events",
        "Q: list = []  # queues",
        "C: list = []  # conditions",
        "F: list = []  # condition flags",
        "K: list = []  # primitives of the deadlock",
        "T: list = []  # tasks",
        "NE = NQ = None  # never set, never fed",
        "",
    ]
    body: list[str] = []
    for h in helpers:
        body += [*h, ""]
    body += funcs
    main = [
        "async def main() -> list:",
        "    global NE, NQ",
        "    NE, NQ = asyncio.Event(), asyncio.Queue()",
        *_indent(resources),
        f"    T[:] = [{', '.join(tasks)}]",
        *_indent(main_extra),
        "    return await asyncio.gather(*T, return_exceptions=True)",
        "",
        "",
        'if __name__ == "__main__":',
        "    print(asyncio.run(main()))",
    ]
    return "\n".join(head + body + main) + "\n"


def _resources(spec: _Spec) -> list[str]:
    sems = ", ".join(
        f"asyncio.{'BoundedSemaphore' if b else 'Semaphore'}({cap})" for cap, b, _s in spec.sems
    )
    slack = [s for s, (_c, _b, sl) in enumerate(spec.sems) if sl]
    return [
        f"L[:] = [asyncio.Lock() for _ in range({spec.locks})]",
        f"S[:] = [{sems}]" + (f"  # slack: {slack}" if slack else ""),
        f"E[:] = [asyncio.Event() for _ in range({max(spec.event_producer, default=-1) + 1})]",
        f"Q[:] = [asyncio.Queue() for _ in range({max(spec.queue_split, default=-1) + 1})]",
        f"C[:] = [asyncio.Condition() for _ in range({len(spec.cond_producer)})]",
        f"F[:] = [False] * {len(spec.cond_producer)}",
    ]


@st.composite
def completing_programs(draw: Draw) -> Program:
    """Programs that always complete: no definite finding is allowed."""
    spec = draw(_spec())
    spec.eager = HAS_EAGER and draw(st.booleans())
    w = _Writer(draw, spec)
    funcs, cancels = _tasks(draw, spec, w)
    tasks = [f'asyncio.create_task(t{t}(), name="t{t}")' for t in range(spec.n_tasks)]
    res = _resources(spec)
    if spec.eager:  # each task runs at once, so T is filled one task at a time
        res.insert(0, "asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)")
        cancels = [*(f"T.append({t})" for t in tasks), *cancels]
        tasks = []
    source = _render("completes", None, res, funcs, w.defs, tasks, cancels)
    return Program("completes", None, source)


# -- deadlocking programs -----------------------------------------------------------
#
# Each has a core of tasks d0, d1, ... that deadlock deterministically, using only the
# primitives in K (nobody else refers to them), plus unrelated completing "noise" tasks.


#: Resources, helper definitions, task functions and main's lines of a program part.
_Parts = tuple[list[str], list[list[str]], list[str], list[str]]


@st.composite
def _noise(draw: Draw, threads: bool = True) -> _Parts:
    """Completing tasks t0.. for a deadlock program: resources, helpers, functions, main lines.

    threads=False: no asyncio.to_thread.
    """
    spec = draw(_spec(max_tasks=3))
    w = _Writer(draw, spec, prefix="n")
    funcs, cancels = _tasks(draw, spec, w)
    if not threads:
        funcs = [f.replace("asyncio.to_thread(time.sleep, ", "asyncio.sleep(") for f in funcs]
        w.defs = [
            [line.replace("asyncio.to_thread(time.sleep, ", "asyncio.sleep(") for line in d]
            for d in w.defs
        ]
    tasks = [f'asyncio.create_task(t{t}(), name="t{t}")' for t in range(spec.n_tasks)]
    if not draw(st.booleans()):
        return [], [], [], ["#CANCELS#"]
    return _resources(spec), w.defs, funcs, [*tasks, "#CANCELS#", *cancels]


def _chain(draw: Draw, name: str, inner: list[str], helpers: list[list[str]]) -> list[str]:
    """`inner` run through 0-3 levels of awaited helper coroutines."""
    body = inner
    for _ in range(draw(st.integers(0, 3))):
        fname = f"{name}_{len(helpers)}"
        helpers.append([f"async def {fname}() -> None:", *_indent(body)])
        body = [f"await {fname}()"]
    return body


def _acquire_around(draw: Draw, res: str, body: list[str], release: bool = True) -> list[str]:
    if not release:
        return [f"await {res}.acquire()", *body]
    if draw(st.booleans()):
        return [f"async with {res}:", *_indent(body or ["pass"])]
    return [
        f"await {res}.acquire()",
        "try:",
        *_indent(body or ["pass"]),
        "finally:",
        f"    {res}.release()",
    ]


def _maybe_sleep(draw: Draw) -> list[str]:
    return [_sleep(draw)] if draw(st.booleans()) else []


def _assemble(
    draw: Draw,
    family: str,
    expect: str | None,
    core_res: list[str],
    helpers: list[list[str]],
    core: list[list[str]],
    threads: bool = True,
) -> Program:
    res, nhelpers, nfuncs, ntasks = draw(_noise(threads=threads))
    cut = ntasks.index("#CANCELS#")
    ntasks, cancels = ntasks[:cut], ntasks[cut + 1 :]
    funcs = []
    for i, body in enumerate(core):
        funcs += [f"async def d{i}() -> None:", *_indent(body or ["pass"]), ""]
    dtasks = [f'asyncio.create_task(d{i}(), name="d{i}")' for i in range(len(core))]
    # Noise first or last: the task indices of noise are fixed (T[0]..), core tasks follow.
    tasks = ntasks + dtasks
    core_res = [line.replace("#D#", str(len(ntasks))) for line in core_res]
    funcs = [line.replace("#D#", str(len(ntasks))) for line in funcs]
    helpers = [[line.replace("#D#", str(len(ntasks))) for line in h] for h in helpers]
    source = _render(
        family, expect, res + core_res, nfuncs + funcs, nhelpers + helpers, tasks, cancels
    )
    return Program(family, expect, source)


def _dt(i: int) -> str:
    """The expression for core task d<i> (core tasks come after the noise tasks in T)."""
    return f"T[#D# + {i}]"


@st.composite
def self_deadlock_programs(draw: Draw) -> Program:
    """A task takes a lock (or its semaphore's last permit) again, k calls deeper (DL101)."""
    helpers: list[list[str]] = []
    prim = draw(
        st.sampled_from(
            [
                "asyncio.Lock()",
                "asyncio.Semaphore(1)",
                "asyncio.BoundedSemaphore(1)",
                "asyncio.Semaphore(2)",
            ]
        )
    )
    extra = draw(st.integers(0, 2))  # other locks held in between (in order)
    inner = [*_maybe_sleep(draw), "async with K[0]:", "    pass"]
    for i in reversed(range(extra)):
        inner = _acquire_around(draw, f"K[{i + 1}]", [*_maybe_sleep(draw), *inner])
        inner = _chain(draw, "s", inner, helpers)
    if prim == "asyncio.Semaphore(2)":  # both permits held by the task itself
        inner = _acquire_around(draw, "K[0]", _chain(draw, "s", inner, helpers))
    body = _acquire_around(draw, "K[0]", _chain(draw, "s", inner, helpers))
    body = [*_maybe_sleep(draw), *_chain(draw, "s", body, helpers)]
    res = [f"K[:] = [{prim}] + [asyncio.Lock() for _ in range({extra})]"]
    return _assemble(draw, "self-deadlock", SELF_DEADLOCK, res, helpers, [body])


@st.composite
def lock_cycle_programs(draw: Draw) -> Program:
    """k tasks each hold K[i], meet at a barrier, then take K[i+1] (DL102)."""
    helpers: list[list[str]] = []
    k = draw(st.integers(2, 4))
    prims = [
        draw(
            st.sampled_from(
                [
                    "asyncio.Lock()",
                    "asyncio.Lock()",
                    "asyncio.Semaphore(1)",
                    "asyncio.BoundedSemaphore(1)",
                ]
            )
        )
        for _ in range(k)
    ]
    barrier = draw(st.sampled_from(["event", "barrier"] if HAS_TASKGROUP else ["event"]))
    if barrier == "event":
        meet = ["N[0] += 1", f"if N[0] == {k}:", "    B.set()", "await B.wait()"]
        res = ["global B, N", "B, N = asyncio.Event(), [0]"]
    else:
        meet = ["await B.wait()"]
        res = ["global B", f"B = asyncio.Barrier({k})"]
    core = []
    for i in range(k):
        second = _chain(
            draw, f"c{i}", _acquire_around(draw, f"K[{(i + 1) % k}]", _maybe_sleep(draw)), helpers
        )
        body = _acquire_around(draw, f"K[{i}]", [*_maybe_sleep(draw), *meet, *second])
        core.append([*_maybe_sleep(draw), *_chain(draw, f"c{i}", body, helpers)])
    if barrier == "event":  # bystanders: once all hold their lock, they queue for one too
        for _ in range(draw(st.integers(0, 2))):
            take = _acquire_around(draw, f"K[{draw(st.integers(0, k - 1))}]", [])
            core.append(["await B.wait()", *_maybe_sleep(draw), *take])
    res.append(f"K[:] = [{', '.join(prims)}]")
    return _assemble(draw, "lock-cycle", WAIT_CYCLE, res, helpers, core)


@st.composite
def task_cycle_programs(draw: Draw) -> Program:
    """Tasks await each other (maybe also locks) in a cycle, or a child takes its parent's lock
    (DL102)."""
    helpers: list[list[str]] = []
    shape = draw(st.sampled_from(["await-cycle", "mixed-cycle", "parent-child"]))
    res: list[str] = []
    core: list[list[str]] = []
    if shape == "parent-child":
        child = _chain(draw, "ch", [*_maybe_sleep(draw), "async with K[0]:", "    pass"], helpers)
        helpers.append(["async def child() -> None:", *_indent(child)])
        # (not wait_for(child(), None): that awaits the coroutine in the parent's own task)
        styles = [
            "await asyncio.gather(child())",
            "await asyncio.create_task(child())",
            "await asyncio.wait_for(asyncio.ensure_future(child()), None)",
        ]
        if HAS_TASKGROUP:
            styles.append("async with asyncio.TaskGroup() as tg:\n    tg.create_task(child())")
        wait = draw(st.sampled_from(styles))
        body = _acquire_around(draw, "K[0]", [*_maybe_sleep(draw), *wait.split("\n")])
        core.append(_chain(draw, "p", body, helpers))
        res.append("K[:] = [asyncio.Lock()]")
        return _assemble(draw, "task-cycle", WAIT_CYCLE, res, helpers, core)
    k = draw(st.integers(2, 4))
    # Link i: d<i> waits for d<i+1>, by awaiting it ("task") or taking a lock it holds.
    links = ["task"] * k
    if shape == "mixed-cycle":
        links = [draw(st.sampled_from(["task", "lock"])) for _ in range(k)]
        links[draw(st.integers(0, k - 1))] = "lock"
    await_forms = [
        "await {t}",
        "await asyncio.gather({t})",
        "await asyncio.wait_for({t}, None)",
        "await asyncio.wait([{t}])",
    ]
    meet: list[str] = []
    if "lock" in links:  # all meet once the locks are held, so every wait closes the cycle
        res += ["global B, N", "B, N = asyncio.Event(), [0]"]
        meet = ["N[0] += 1", f"if N[0] == {k}:", "    B.set()", "await B.wait()"]
    for i in range(k):
        nxt = (i + 1) % k
        if links[i] == "task":
            form = draw(st.sampled_from(await_forms))
            wait = [form.format(t=_dt(nxt))]
        else:
            wait = _acquire_around(draw, f"K[{nxt}]", _maybe_sleep(draw))
        wait = _chain(draw, f"w{i}", [*_maybe_sleep(draw), *wait], helpers)
        if links[(i - 1) % k] == "lock":  # d<i-1> takes K[i]: hold it, meet, then wait
            body = _acquire_around(draw, f"K[{i}]", [*_maybe_sleep(draw), *meet, *wait])
        else:
            body = [*meet, *wait]
        core.append(_chain(draw, f"d{i}", body, helpers))
    res.append(f"K[:] = [asyncio.Lock() for _ in range({k})]")
    return _assemble(draw, "task-cycle", WAIT_CYCLE, res, helpers, core)


@st.composite
def orphan_programs(draw: Draw) -> Program:
    """d0 ends (returns, raises, is cancelled) holding K[0]; d1.. then wait for it (DL103)."""
    helpers: list[list[str]] = []
    prim = draw(st.sampled_from(["asyncio.Lock()", "asyncio.Lock()", "asyncio.Semaphore(1)"]))
    how = draw(st.sampled_from(["returns", "raises", "cancelled"]))
    end = {
        "returns": ["return"],
        "raises": ['raise ValueError("boom")'],
        "cancelled": ["G.set()", "await asyncio.sleep(3600)"],
    }[how]
    owner = _chain(draw, "o", ["await K[0].acquire()", *_maybe_sleep(draw), *end], helpers)
    res = [f"K[:] = [{prim}]", "global G", "G = asyncio.Event()"]
    core = [[*_maybe_sleep(draw), *owner]]
    wait_end = draw(
        st.sampled_from(
            [
                [f"await asyncio.wait([{_dt(0)}])"],
                [f"await asyncio.gather({_dt(0)}, return_exceptions=True)"],
                ["try:", f"    await {_dt(0)}", "except BaseException:", "    pass"],
            ]
        )
    )
    if how == "cancelled":
        core.append(["await G.wait()", *_maybe_sleep(draw), f"{_dt(0)}.cancel()"])
    for i in range(draw(st.integers(1, 2))):
        take = _acquire_around(draw, "K[0]", _maybe_sleep(draw))
        body = [*wait_end, *_maybe_sleep(draw), *_chain(draw, f"w{i}", take, helpers)]
        core.append(body)
    # With a thread alive, an orphaned lock is reported only at a busy-loop scan (~0.5 s).
    threads = draw(st.sampled_from([False, False, False, True]))
    return _assemble(draw, "orphaned-lock", ORPHANED_LOCK, res, helpers, core, threads=threads)


@st.composite
def stall_programs(draw: Draw) -> Program:
    """Tasks wait for what nothing will ever provide, after everything else ended (DL105)."""
    helpers: list[list[str]] = []
    waits = [
        "await K[0].wait()",  # an Event never set
        "await K[1].get()",  # a Queue never fed
        "async with K[2]:\n    await K[2].wait()",  # a Condition never notified
        "await K[3]",  # a Future never resolved
        "await K[4].put(2)",  # a full Queue nobody reads
        "await asyncio.wait_for(K[0].wait(), None)",
        "await asyncio.gather(K[0].wait())",
    ]
    core: list[list[str]] = []
    k = draw(st.integers(1, 3))
    for i in range(k):
        if i > 0 and draw(st.booleans()):
            w = f"await {_dt(draw(st.integers(0, i - 1)))}"  # waits for a stalled task
        else:
            w = draw(st.sampled_from(waits))
        body = [*_maybe_sleep(draw), *w.split("\n")]
        core.append(_chain(draw, f"s{i}", body, helpers))
    if draw(st.booleans()):  # two tasks each waiting for the other's signal
        core.append(["await X[0].wait()", "X[1].set()"])
        core.append(["await X[1].wait()", "X[0].set()"])
    res = [
        "loop = asyncio.get_running_loop()",
        "K[:] = [asyncio.Event(), asyncio.Queue(), asyncio.Condition(), loop.create_future(),"
        " asyncio.Queue(maxsize=1)]",
        "K[4].put_nowait(1)",
        "global X",
        "X = [asyncio.Event(), asyncio.Event()]",
    ]
    # A quarter use to_thread() in their noise: the executor's idle worker must not count
    # as something that could wake the loop.
    threads = draw(st.sampled_from([False, False, False, True]))
    return _assemble(draw, "stall", STALL, res, helpers, core, threads=threads)


@st.composite
def cancel_swallow_programs(draw: Draw) -> Program:
    """A task swallows its cancel and works on (~0.7 s, several grace periods) while the
    task that cancelled it awaits it: no definite finding, but a potential cancel-ignored
    (DL108) one where cancel requests are recorded (3.12+)."""
    helpers: list[list[str]] = []
    catch = draw(
        st.sampled_from(
            [
                ["except BaseException:", "    continue"],
                ["except asyncio.CancelledError:", "    pass"],
                ["except asyncio.CancelledError:", "    G.append('lost')"],
            ]
        )
    )
    step = _chain(draw, "sw", ["await asyncio.sleep(0.02)"], helpers)
    swallower = ["for _ in range(35):", "    try:", *_indent(step, 2), *_indent(catch)]
    core = [[*_maybe_sleep(draw), *swallower]]
    wait = draw(
        st.sampled_from(
            [
                f"await {_dt(0)}",
                f"await asyncio.gather({_dt(0)}, return_exceptions=True)",
                f"await asyncio.wait([{_dt(0)}])",
            ]
        )
    )
    canceller = ["await asyncio.sleep(0.03)", f"{_dt(0)}.cancel()", *_maybe_sleep(draw), wait]
    core.append(_chain(draw, "cc", canceller, helpers))
    res = ["global G", "G = []"]
    program = _assemble(draw, "cancel-swallow", None, res, helpers, core, threads=False)
    program.potential = CANCEL_IGNORED if RECORDS_CANCELS else None
    return program


FAMILIES: dict[str, Callable[[], st.SearchStrategy[Program]]] = {
    "completes": completing_programs,
    "self-deadlock": self_deadlock_programs,
    "lock-cycle": lock_cycle_programs,
    "task-cycle": task_cycle_programs,
    "orphaned-lock": orphan_programs,
    "stall": stall_programs,
    "cancel-swallow": cancel_swallow_programs,
}


# -- running and judging ------------------------------------------------------------


@dataclass
class Outcome:
    """What happened when a program ran under the detector."""

    findings: list[Any]
    results: list[Any] | None  # main's gather results, None if it did not return
    error: BaseException | None  # what the run raised (e.g. the loop was stopped)
    timed_out: bool

    def definite(self) -> list[str]:
        return sorted({f.kind.code for f in self.findings if f.definite})


_counter = [0]


def run_program(program: Program, grace: float = 0.1, timeout: float = 10.0) -> Outcome:
    """Run the program in this thread under the detector (raise mode, contained), bounded.

    A timer thread stops the loop if the run has not ended after `timeout` seconds. The
    harness's own threads and signal handlers are declared non-wakers for the run.
    """
    _counter[0] += 1
    filename = f"<generated-{_counter[0]}>"
    lines = program.source.splitlines(keepends=True)
    linecache.cache[filename] = (len(program.source), None, lines, filename)
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(program.source, filename, "exec"), namespace)
    main = namespace["main"]

    assert not api.installed(), "aiodeadlock is already installed"
    config = Config(on_deadlock="raise", output=None, grace=grace, contained=True)
    session = api.start(config)
    marked = [t for t in threading.enumerate() if not getattr(t, "_adl_own", False)]
    marked = [t for t in marked if t is not threading.current_thread()]
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda _loop, _context: None)  # errors are judged by findings
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        loop.call_soon_threadsafe(loop.stop)

    timer = threading.Timer(timeout, stop)
    timer.daemon = True
    handlers = [signal.getsignal(s) for s in signal.valid_signals() if _is_handler(s)]
    api.ignore_wakers(handlers=handlers, threads=[*marked, timer])
    results: list[Any] | None = None
    error: BaseException | None = None
    timer.start()
    try:
        try:
            asyncio.set_event_loop(loop)
            results = loop.run_until_complete(main())
        except BaseException as exc:  # a stopped loop, or an error of the program
            error = exc
        finally:
            timer.cancel()
            _cleanup(loop)
        findings = list(session.findings)
        api.finish()
        findings = list(session.findings)
    finally:
        api.uninstall()
        for t in marked:
            try:
                del t._adl_own  # type: ignore[attr-defined]
            except AttributeError:
                pass
        linecache.cache.pop(filename, None)
    return Outcome(findings, results, error, stopped.is_set())


def _is_handler(sig: int) -> bool:
    try:
        handler = signal.getsignal(sig)
    except (ValueError, OSError):
        return False
    return callable(handler) and handler is not signal.default_int_handler


def _cleanup(loop: asyncio.AbstractEventLoop) -> None:
    """What asyncio.run does at the end, each step bounded (a missed deadlock may remain)."""
    try:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            try:
                t.cancel()
            except RecursionError:  # tasks awaiting each other cancel each other, forever
                pass
        if pending:
            waiter = asyncio.wait(pending, timeout=2.0)
            loop.run_until_complete(waiter)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(asyncio.wait_for(loop.shutdown_default_executor(), 5.0))
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def problems(program: Program, outcome: Outcome) -> list[str]:
    """Why the outcome does not match the program's ground truth (empty: it does)."""
    found: list[str] = []
    definite = outcome.definite()
    if outcome.timed_out:
        found.append("the run did not end: a deadlock was missed (or the detector hung it)")
    if program.expect is None:
        if definite:
            found.append(f"false definite finding(s) on a completing program: {definite}")
        if outcome.error is not None:
            found.append(f"the program failed: {outcome.error!r}")
        for i, r in enumerate(outcome.results or []):
            if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError):
                found.append(f"task T[{i}] raised {r!r}")
    elif definite != [program.expect]:
        found.append(f"expected exactly {program.expect}, got definite {definite}")
    if program.potential is not None:
        codes = {f.kind.code for f in outcome.findings if not f.definite}
        if program.potential not in codes:
            found.append(f"expected a potential {program.potential} finding, got {sorted(codes)}")
    return found


def describe(outcome: Outcome) -> str:
    """The findings as text, for a failure message."""
    if not outcome.findings:
        return "(no findings)"
    from aiodeadlock.report import text

    return text.render(outcome.findings)
