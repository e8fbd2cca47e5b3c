"""Every rule is documented in docs/static-rules.md and has a fixture that flags it."""

from __future__ import annotations

import re
from pathlib import Path

from aiodeadlock.check.rules import RULE_MODULES, all_rules

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "static-rules.md"
FIXTURES = Path(__file__).parent / "fixtures"


def test_rule_modules_are_named_after_their_rules() -> None:
    rules = all_rules()[1:]
    assert [m.split("_")[0].upper() for m in RULE_MODULES] == [r.code for r in rules]
    assert len({r.code for r in rules}) == len(rules) and len({r.name for r in rules}) == len(rules)


def test_every_rule_has_a_row_in_the_docs_table() -> None:
    rows = re.findall(r"^\| (DL2\d\d) \| ([a-z-]+)", DOC.read_text(), re.M)
    assert rows == [(r.code, r.name) for r in all_rules()]


def test_every_rule_is_flagged_by_some_fixture() -> None:
    marked = set()
    for path in FIXTURES.rglob("*.py"):
        marked |= set(re.findall(r"#\s*error:.*?(DL2\d\d)", path.read_text()))
        marked |= set(re.findall(r"#\s*error:\s*DL2\d\d\s*,\s*(DL2\d\d)", path.read_text()))
    assert {r.code for r in all_rules()[1:]} <= marked
