"""Registry of the static rules DL2xx, their metadata and their hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiodeadlock.check.findings import Finding
    from aiodeadlock.check.function import FunctionContext
    from aiodeadlock.check.project import Project
    from aiodeadlock.check.summary import Candidate
    from aiodeadlock.check.walker import Walker

Scan = Callable[["FunctionContext", "Walker"], "list[Candidate]"]
Check = Callable[["Project"], "list[Finding]"]


@dataclass(frozen=True)
class Rule:
    """A rule's stable code, name, one-line summary, fix advice, default state and hooks."""

    code: str
    name: str
    summary: str
    fix: str
    default: bool = True
    scan: Scan | None = None
    check: Check | None = None


SYNTAX_ERROR = Rule(
    "DL200",
    "syntax-error",
    "The file could not be parsed; it was not checked.",
    "Fix the syntax error (or exclude the file).",
)


#: The rule modules of this package, in code order.
RULE_MODULES = (
    "dl201_unprotected_acquire",
    "dl202_not_awaited",
    "dl203_self_deadlock",
    "dl204_lock_order",
    "dl205_thread_lock_await",
    "dl206_blocking_call",
    "dl207_threadsafe_result",
    "dl208_await_self",
    "dl209_await_task_holding",
    "dl210_wait_holding",
    "dl211_condition",
    "dl212_held_at_exit",
    "dl213_unbounded_wait",
    "dl214_cancel_leak",
)


def all_rules() -> list[Rule]:
    """Return every rule, DL200 first, in code order."""
    import importlib

    modules = [importlib.import_module(f"{__name__}.{name}") for name in RULE_MODULES]
    return [SYNTAX_ERROR, *(m.RULE for m in modules)]


def rule_map() -> dict[str, Rule]:
    """Return code -> rule."""
    return {r.code: r for r in all_rules()}
