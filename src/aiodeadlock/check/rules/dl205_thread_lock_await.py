"""DL205: a threading lock held across an `await` in a coroutine."""

from __future__ import annotations

from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import candidate, short
from aiodeadlock.check.summary import Candidate, Related
from aiodeadlock.check.walker import Walker


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Flag the first suspension point inside each held region of a threading lock."""
    if not f.is_async:
        return []
    out: list[Candidate] = []
    done: set[object] = set()
    for at, held in w.suspends:
        for h in held:
            if h.at in done:
                continue
            done.add(h.at)
            name = short(f, h.ref)
            out.append(
                candidate(
                    f,
                    "DL205",
                    at,
                    f"{{kind}} {name} (acquired at line {h.at.line}) is held across this await: "
                    "another task taking it blocks the whole event loop thread, which is the "
                    "only thread that can release it",
                    h.ref,
                    "thread_lock",
                    (Related(h.at, f"{name} acquired here"),),
                )
            )
    return out


RULE = Rule(
    "DL205",
    "thread-lock-across-await",
    "A threading.Lock/RLock (or other threading lock) is held across an await.",
    "Release the threading lock before awaiting, or use an asyncio.Lock for code that awaits.",
    scan=scan,
)
