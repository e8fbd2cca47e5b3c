"""The active detector: installs the instrumentation and routes what it sees to a session."""

from __future__ import annotations

import sys
import threading
from typing import Any

from aiodeadlock.detectors.deadlock import find_deadlock
from aiodeadlock.detectors.explain import explain
from aiodeadlock.instrument import primitives
from aiodeadlock.instrument.livegraph import LiveGraph
from aiodeadlock.instrument.patching import Patcher
from aiodeadlock.session import Config, Session

_patcher = Patcher(primitives.PATCHES)
_guard = threading.RLock()
_session: Session | None = None
_disabled_by_error = False


def active_session() -> Session | None:
    """The session findings go to, or None when not installed."""
    return _session


def install(config: Config | None = None) -> Session:
    """Patch asyncio's primitives (idempotent) and start a session; return it.

    Calling it again while installed keeps the instrumentation and, if `config` is
    given, switches the session's settings.
    """
    global _session, _disabled_by_error
    with _guard:
        if _session is None:
            _session = Session(config or Config())
        elif config is not None:
            _session.config = config
        if not _patcher.active:
            _disabled_by_error = False
            _patcher.apply()
            primitives.on_contended = _on_contended
            primitives.on_internal_error = _on_internal_error
        return _session


def uninstall() -> None:
    """Restore asyncio's original classes exactly and end the session."""
    global _session
    with _guard:
        primitives.on_contended = None
        primitives.on_internal_error = None
        _patcher.restore()
        _session = None


def installed() -> bool:
    return _patcher.active


def _on_contended(st: Any, prim: Any, frame: Any) -> None:
    """A task is about to park on a primitive that is taken: is that forever?"""
    session = _session
    if session is None:
        return
    graph = LiveGraph(current=st)
    start = graph.add_state(st)
    deadlock = find_deadlock(graph, start)
    if deadlock is None:
        return
    session.deadlock(explain(deadlock))


def _on_internal_error(exc: BaseException) -> None:
    """Contain a failure of the detector: warn once, stop detecting, let the program go on."""
    global _disabled_by_error
    from aiodeadlock.errors import DeadlockError

    if isinstance(exc, DeadlockError):
        raise exc
    primitives.on_contended = None
    if not _disabled_by_error:
        _disabled_by_error = True
        try:
            sys.stderr.write(
                f"aiodeadlock: internal error, detection disabled: {type(exc).__name__}: {exc}\n"
            )
        except (OSError, ValueError):
            pass
