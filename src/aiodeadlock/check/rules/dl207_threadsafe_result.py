"""DL207: `run_coroutine_threadsafe(...).result()` reachable on the event loop's own thread."""

from __future__ import annotations

from aiodeadlock.check.findings import Finding
from aiodeadlock.check.project import Project
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.summary import Call, Loc, Related

_MESSAGE = (
    "run_coroutine_threadsafe(...).result() on the event loop's own thread: the loop is "
    "blocked waiting for a coroutine only it can run"
)


def check(p: Project) -> list[Finding]:
    """Search from every coroutine through plain calls of sync functions."""
    out: dict[Loc, Finding] = {}
    for fn in p.iter_functions():
        if not fn.is_async:
            continue
        for at in fn.rcts:
            out[at] = Finding("DL207", at, f"{_MESSAGE} (inside async def)")
        seen = {fn.qual}
        frontier = [(c, c) for c in fn.calls if c.mode == "plain"]
        depth = 0
        while frontier and depth < 8:
            depth += 1
            nxt: list[tuple[Call, Call]] = []
            for first, call in frontier:
                target = p.resolve(call)
                if target is None or target in seen:
                    continue
                seen.add(target)
                callee = p.functions[target]
                if callee.is_async:
                    continue
                for at in callee.rcts:
                    out.setdefault(
                        at,
                        Finding(
                            "DL207",
                            at,
                            f"{_MESSAGE} (reached from async def {fn.qual.rpartition('.')[2]})",
                            (Related(first.at, "called from the event loop here"),),
                        ),
                    )
                nxt.extend((first, c) for c in callee.calls if c.mode == "plain")
            frontier = nxt
    return list(out.values())


RULE = Rule(
    "DL207",
    "threadsafe-result-on-loop",
    "asyncio.run_coroutine_threadsafe(...).result() is reachable from a coroutine, i.e. on "
    "the event loop's own thread.",
    "Inside the loop, `await` the coroutine (or `await asyncio.wrap_future(fut)`); call "
    "`.result()` only from other threads.",
    check=check,
)
