"""How a session acts on definite deadlocks: reported once, every victim told."""

from __future__ import annotations

import pytest

from aiodeadlock.errors import DeadlockError
from aiodeadlock.model.findings import WAIT_CYCLE, Finding
from aiodeadlock.session import Config, Session


def _cycle() -> Finding:
    return Finding(WAIT_CYCLE, "2 tasks wait for each other", None, (), (), ())


def test_the_same_deadlock_again_is_raised_again_but_reported_once() -> None:
    """Task keys come from id(): a second cycle between new tasks that reuse the ids of
    freed ones is the same finding, yet its tasks must get the error too."""
    session = Session(Config(on_deadlock="raise", contained=True))
    told: list[DeadlockError] = []
    session.deadlock(_cycle(), inject=lambda err: told.append(err) or True)
    session.deadlock(_cycle(), inject=lambda err: told.append(err) or True)
    assert len(told) == 2
    assert len(session.findings) == 1
    with pytest.raises(DeadlockError):  # found in the waiting task itself: raised there
        session.deadlock(_cycle())


def test_the_same_deadlock_again_in_report_mode_is_left_alone() -> None:
    session = Session(Config(on_deadlock="report"))
    told: list[DeadlockError] = []
    session.deadlock(_cycle(), inject=lambda err: told.append(err) or True)
    session.deadlock(_cycle(), inject=lambda err: told.append(err) or True)
    assert told == [] and len(session.findings) == 1
