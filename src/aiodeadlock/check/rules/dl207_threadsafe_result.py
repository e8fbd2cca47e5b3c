"""DL207: `run_coroutine_threadsafe(coro, loop).result()` on the thread that runs `loop`."""

from __future__ import annotations

from aiodeadlock.check.callbacks import callback_callers
from aiodeadlock.check.findings import Finding
from aiodeadlock.check.kinds import NEW_LOOP, RUNNING_LOOP
from aiodeadlock.check.project import Project
from aiodeadlock.check.refs import RUNNING
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.summary import Call, FuncSummary, Loc, Rcts, Related

_MESSAGE = (
    "run_coroutine_threadsafe(...).result() without a timeout on the thread that runs the "
    "event loop it submits to: the loop is blocked waiting for a coroutine only it can run"
)
_HOPS = 10


def _running(p: Project, fn: FuncSummary, ref: str) -> bool:
    """True if `ref` is the loop running the code of `fn` (and never another loop)."""
    if ref == RUNNING:
        return True
    kinds = p.kinds_of(fn, ref)
    if RUNNING_LOOP not in kinds or NEW_LOOP in kinds:
        return False
    return ref.startswith(("p:", "l:")) or p.canon(ref) not in p.binds


def _start(p: Project, fn: FuncSummary, site: Rcts) -> str | None:
    """The loop's ref to follow up the callers (a local running loop becomes RUNNING)."""
    if site.loop is None:
        return None
    if site.loop.startswith("l:"):
        return RUNNING if _running(p, fn, site.loop) else None
    return site.loop


def _reach(p: Project, fn: FuncSummary, loop: str) -> tuple[FuncSummary, Loc | None] | None:
    """The coroutine whose loop `loop` is, found through plain calls and callbacks."""
    callbacks = callback_callers(p)
    frontier: list[tuple[FuncSummary, str, Loc | None]] = [(fn, loop, None)]
    seen = {(fn.qual, loop)}
    for _ in range(_HOPS):
        nxt: list[tuple[FuncSummary, str, Loc | None]] = []
        for g, ref, at in frontier:
            if g.is_async:
                if _running(p, g, ref):
                    return g, at
                continue
            calls: list[tuple[FuncSummary, Call]] = [*p.callers.get(g.qual, ())]
            calls += callbacks.get(g.qual, [])
            for caller, call in calls:
                if call.mode != "plain":
                    continue
                up = p.subst(call, g, ref)
                if up is not None and (caller.qual, up) not in seen:
                    seen.add((caller.qual, up))
                    nxt.append((caller, up, call.at))
        frontier = nxt
    return None


def check(p: Project) -> list[Finding]:
    """Search up from each unbounded `.result()` to a coroutine running the same loop."""
    out: dict[Loc, Finding] = {}
    for fn in p.iter_functions():
        for site in fn.rcts:
            loop = None if site.bounded else _start(p, fn, site)
            found = _reach(p, fn, loop) if loop else None
            if found is None:
                continue
            coro, at = found
            if at is None:
                out[site.at] = Finding("DL207", site.at, f"{_MESSAGE} (inside async def)")
                continue
            name = coro.qual.rpartition(".")[2]
            out[site.at] = Finding(
                "DL207",
                site.at,
                f"{_MESSAGE} (reached from async def {name})",
                (Related(at, "called from the event loop here"),),
            )
    return list(out.values())


RULE = Rule(
    "DL207",
    "threadsafe-result-on-loop",
    "asyncio.run_coroutine_threadsafe(coro, loop).result() without a timeout, where `loop` is "
    "the loop running the code: inside async def, or in a function a coroutine reaches through "
    "plain calls or a callback stored in an attribute.",
    "Inside the loop, `await` the coroutine (or `await asyncio.wrap_future(fut)`); call "
    "`.result()` only from other threads.",
    check=check,
)
