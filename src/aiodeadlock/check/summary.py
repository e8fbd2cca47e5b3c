"""Serializable per-file facts gathered in pass 1 and composed in pass 2."""

from __future__ import annotations

from typing import Any, NamedTuple

# A *ref* names a synchronization object by its access path:
#   "g:pkg.mod.NAME"      module global (or imported name)
#   "a:pkg.mod.Class.x"   attribute `self.x` of instances of Class
#   "l:pkg.mod.func:x"    local variable x of one function
#   "p:x"                 parameter x of the function the fact belongs to
#   "X[k]"                the element of container X under key k, where k is a ref or a
#                         constant "c:'literal'" (see refs.py)
#   "w:LINE:COL"          (held sets only) the lock a `with`/`async with` item at LINE:COL holds
#                         through a custom context manager, resolved in pass 2


class Loc(NamedTuple):
    """A source position: display path, 1-based line and 1-based column."""

    path: str
    line: int
    col: int


class Held(NamedTuple):
    """A lock held at some point: its ref, where it was acquired, and the call joining it."""

    ref: str
    at: Loc
    join: Loc | None


class Call(NamedTuple):
    """A call of a possibly project-defined function, with argument refs."""

    callee: str
    via: str  # "" (a plain name), "self" (`self.m()`), "super" (`super().m()`)
    args: tuple[str | None, ...]
    kwargs: tuple[tuple[str, str | None], ...]
    at: Loc
    held: tuple[Held, ...]
    mode: str  # "await" (awaited directly), "plain" (called), "spawn" (run as another task),
    # "enter"/"aenter" (the context manager of a `with`/`async with` item)


class Event(NamedTuple):
    """A primitive operation: "acq" (acquire), "wait" or "signal" on a ref."""

    op: str
    ref: str
    at: Loc
    held: tuple[Held, ...]
    detail: str


class Join(NamedTuple):
    """A point where the function waits for other tasks to finish."""

    at: Loc
    held: tuple[Held, ...]
    calls: tuple[Call, ...]
    refs: tuple[str, ...]


class Rcts(NamedTuple):
    """`run_coroutine_threadsafe(coro, loop).result()`: where, the loop's ref, and a timeout."""

    at: Loc
    loop: str | None
    bounded: bool


class Related(NamedTuple):
    """A secondary location of a finding, with a short message."""

    at: Loc
    message: str


class Candidate(NamedTuple):
    """A pass-1 finding that holds only if `ref` turns out to be of a kind in `kinds`."""

    code: str
    at: Loc
    message: str
    ref: str | None
    kinds: str
    related: tuple[Related, ...]
    flags: str


class FuncSummary(NamedTuple):
    """Everything pass 2 needs to know about one function."""

    qual: str
    path: str
    is_async: bool
    params: tuple[str, ...]
    param_kinds: tuple[tuple[str, str], ...]
    events: tuple[Event, ...]
    calls: tuple[Call, ...]
    joins: tuple[Join, ...]
    rcts: tuple[Rcts, ...]
    awaits: tuple[tuple[str, Loc], ...]
    candidates: tuple[Candidate, ...]
    yield_held: tuple[str, ...]  # refs held at every `yield` of a generator
    cm_factory: bool  # decorated with contextlib.contextmanager or asynccontextmanager
    returns: tuple[Loc, ...]  # calls whose result the function returns


class ModuleSummary(NamedTuple):
    """Pass-1 facts of one source file."""

    path: str
    module: str
    imports: tuple[tuple[str, str], ...]
    kinds: tuple[tuple[str, str], ...]
    aliases: tuple[tuple[str, str], ...]
    bases: tuple[tuple[str, tuple[str, ...]], ...]
    methods: tuple[tuple[str, tuple[str, ...]], ...]  # class -> names of the methods it defines
    binds: tuple[tuple[str, str, str], ...]  # (target ref, function qual, value ref)
    tasks: tuple[tuple[str, Call], ...]
    functions: tuple[FuncSummary, ...]
    noqa: tuple[tuple[int, str], ...]
    error: Candidate | None


def empty_module(
    path: str, module: str, noqa: tuple[tuple[int, str], ...] = (), error: Candidate | None = None
) -> ModuleSummary:
    """The summary of a file with no facts (not relevant, or not parsable)."""
    return ModuleSummary(path, module, (), (), (), (), (), (), (), (), noqa, error)


def _loc(v: Any) -> Loc:
    return Loc(v[0], v[1], v[2])


def _oloc(v: Any) -> Loc | None:
    return None if v is None else _loc(v)


def _held(v: Any) -> tuple[Held, ...]:
    return tuple(Held(h[0], _loc(h[1]), _oloc(h[2])) for h in v)


def _call(v: Any) -> Call:
    return Call(
        v[0],
        v[1],
        tuple(v[2]),
        tuple((k, r) for k, r in v[3]),
        _loc(v[4]),
        _held(v[5]),
        v[6],
    )


def _cand(v: Any) -> Candidate:
    return Candidate(
        v[0], _loc(v[1]), v[2], v[3], v[4], tuple(Related(_loc(r[0]), r[1]) for r in v[5]), v[6]
    )


def _func(v: Any) -> FuncSummary:
    return FuncSummary(
        v[0],
        v[1],
        v[2],
        tuple(v[3]),
        tuple((a, b) for a, b in v[4]),
        tuple(Event(e[0], e[1], _loc(e[2]), _held(e[3]), e[4]) for e in v[5]),
        tuple(_call(c) for c in v[6]),
        tuple(
            Join(_loc(j[0]), _held(j[1]), tuple(_call(c) for c in j[2]), tuple(j[3])) for j in v[7]
        ),
        tuple(Rcts(_loc(x[0]), x[1], x[2]) for x in v[8]),
        tuple((a, _loc(b)) for a, b in v[9]),
        tuple(_cand(c) for c in v[10]),
        tuple(v[11]),
        v[12],
        tuple(_loc(x) for x in v[13]),
    )


def decode_module(v: Any) -> ModuleSummary:
    """Rebuild a ModuleSummary from its JSON form (nested lists)."""
    return ModuleSummary(
        v[0],
        v[1],
        tuple((a, b) for a, b in v[2]),
        tuple((a, b) for a, b in v[3]),
        tuple((a, b) for a, b in v[4]),
        tuple((a, tuple(b)) for a, b in v[5]),
        tuple((a, tuple(b)) for a, b in v[6]),
        tuple((a, b, c) for a, b, c in v[7]),
        tuple((a, _call(b)) for a, b in v[8]),
        tuple(_func(f) for f in v[9]),
        tuple((a, b) for a, b in v[10]),
        None if v[11] is None else _cand(v[11]),
    )
