"""How the responder acts on definite deadlocks: reported once, every victim told."""

from __future__ import annotations

from aiodeadlock.config import Config
from aiodeadlock.errors import DeadlockError
from aiodeadlock.model.findings import WAIT_CYCLE, Finding
from aiodeadlock.respond import Responder


def _cycle() -> Finding:
    return Finding(WAIT_CYCLE, "2 tasks wait for each other", None, (), (), ())


def test_the_same_deadlock_again_is_raised_again_but_reported_once() -> None:
    """Task keys come from id(): a second cycle between new tasks that reuse the ids of
    freed ones is the same finding, yet its tasks must get the error too."""
    session = Responder(Config(on_deadlock="raise", contained=True))
    told: list[DeadlockError] = []
    session.deadlock(_cycle(), inject=lambda err: told.append(err) or True)
    session.deadlock(_cycle(), inject=lambda err: told.append(err) or True)
    assert len(told) == 2
    assert len(session.findings) == 1
    # found in the waiting task itself: the error is returned, to be raised there
    assert isinstance(session.deadlock(_cycle()), DeadlockError)


def test_the_same_deadlock_again_in_report_mode_is_left_alone() -> None:
    session = Responder(Config(on_deadlock="report"))
    told: list[DeadlockError] = []
    session.deadlock(_cycle(), inject=lambda err: told.append(err) or True)
    session.deadlock(_cycle(), inject=lambda err: told.append(err) or True)
    assert told == [] and len(session.findings) == 1
