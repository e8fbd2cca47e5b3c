"""docs/report.schema.json: what Report.to_json() writes is valid, what breaks the contract not."""

from __future__ import annotations

import json
from typing import Any

import pytest
import report_samples as samples
from report_schema import SCHEMA_PATH, assert_valid_report, reference_errors, schema_errors

from aiodeadlock.model.findings import KINDS
from aiodeadlock.model.report import Report

SOURCE = "/srv/app/bank.py"


def sample() -> dict[str, Any]:
    return samples.full_report(SOURCE).to_json()


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    "report",
    [
        Report(),
        samples.full_report(SOURCE),
        Report((samples.awaited_cycle(SOURCE), samples.stall(SOURCE, 3))),
        Report((samples.crowd(SOURCE, 3),), samples.run_info()),
    ],
    ids=["empty", "full", "awaited-and-stall", "crowd"],
)
def test_reports_the_model_writes_are_valid(report: Report) -> None:
    data = json.loads(report.dumps())
    assert_valid_report(data)


def test_every_known_kind_has_its_code_in_the_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    rules = schema["$defs"]["kind_code"]["allOf"]
    pinned = {r["if"]["properties"]["kind"]["const"]: r["then"]["properties"] for r in rules}
    assert set(pinned) == set(KINDS)
    for name, kind in KINDS.items():
        assert pinned[name]["code"]["const"] == kind.code
        if not kind.definite:
            assert pinned[name]["definite"]["const"] is False


def broken(change: Any) -> dict[str, Any]:
    data = sample()
    change(data)
    return data


def first(data: dict[str, Any]) -> dict[str, Any]:
    finding: dict[str, Any] = data["findings"][0]
    return finding


BREAKS = {
    "a newer format_version": lambda d: d.update(format_version=2),
    "no findings": lambda d: d.pop("findings"),
    "a location as text": lambda d: first(d).update(location="bank.py:10"),
    "line 0": lambda d: first(d)["location"].update(line=0),
    "a line as text": lambda d: first(d)["edges"][0]["wait_at"].update(line="10"),
    "an empty file name": lambda d: first(d)["tasks"][0]["stack"][0].update(file=""),
    "a message on two lines": lambda d: first(d).update(message="one\ntwo"),
    "a known kind with another code": lambda d: first(d).update(code="DL101"),
    "a lock-order finding called definite": lambda d: d["findings"][2].update(definite=True),
    "an unknown relation": lambda d: first(d)["edges"][0].update(relation="owns"),
    "an unknown actor": lambda d: first(d)["tasks"][0].update(actor="process"),
    "a task without a name": lambda d: first(d)["tasks"][0].pop("name"),
    "a resource without a type": lambda d: first(d)["resources"][0].pop("type"),
    "a command that is not a list": lambda d: d["run"].update(command="python bank.py"),
    "a code that is not DL and three digits": lambda d: first(d).update(code="E101"),
}


@pytest.mark.parametrize("change", BREAKS.values(), ids=BREAKS.keys())
def test_breaking_the_contract_is_caught(change: Any) -> None:
    assert schema_errors(broken(change))


def test_new_fields_are_allowed_within_format_version_1() -> None:
    data = sample()
    data["new_top_level"] = {"anything": [1, 2]}
    first(data)["confidence"] = 0.5
    first(data)["location"]["column"] = 4
    first(data)["tasks"][0]["loop"] = "main"
    assert schema_errors(data) == []


def test_unknown_kinds_with_new_codes_are_allowed() -> None:
    data = sample()
    first(data).update(kind="barrier-broken", code="DL110")
    assert schema_errors(data) == []


def test_keys_must_name_a_task_or_resource_of_their_finding() -> None:
    data = sample()
    assert reference_errors(data) == []
    first(data)["edges"][0]["holder"] = "T999"
    first(data)["cycle"].append("T404")
    problems = reference_errors(data)
    assert problems == [
        "findings/0/edges/0/holder: 'T999' is not in the finding",
        "findings/0/cycle/2: 'T404' is not in the finding",
    ]
    with pytest.raises(AssertionError, match="T999"):
        assert_valid_report(data)
