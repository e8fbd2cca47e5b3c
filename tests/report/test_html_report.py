"""The HTML report as a reader gets it: one self-contained page, escaped, every part in place."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
import report_samples as samples
from page_dom import Element, parse

from aiodeadlock.model.report import Report
from aiodeadlock.report import render
from aiodeadlock.report.html import render_report


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return samples.write_source(tmp_path)


def page_of(report: Report) -> tuple[str, Element]:
    page = render_report(report)
    return page, parse(page)


def graph_texts(article: Element) -> list[str]:
    """The words drawn in an article's graph (not its tooltips)."""
    svg = article.one("svg", "graph")
    return [t.text() for t in svg.all("text")]


def test_the_table_of_renderers_names_html_and_dot(source: Path) -> None:
    report = Report((samples.lock_cycle(source),))
    assert render(report, "html") == render_report(report)
    assert render(report, "dot").startswith("digraph aiodeadlock {")


def test_a_deadlock_page_has_verdict_graph_sources_and_stacks(source: Path) -> None:
    _, dom = page_of(Report((samples.lock_cycle(source),)))
    article = dom.one("article", "finding")
    assert "definite" in article.classes
    assert article.one("p", "verdict").text() == samples.lock_cycle(source).message
    assert "bank.py:17" in article.one("p", "caught").text()

    drawn = graph_texts(article)
    for word in ("worker-1", "worker-2", "auditor", "lock_a", "lock_b"):
        assert word in drawn
    for line in (samples.WAIT_B, samples.TAKE_B, samples.WAIT_A, samples.TAKE_A):
        assert f"bank.py:{line}" in drawn

    nodes = {g.attrs["data-key"]: g.classes for g in article.all("g", "node")}
    assert {k for k, c in nodes.items() if "cycle" in c} == {"T1", "T2", "L1", "L2"}
    assert "collateral" in nodes["T3"]  # the auditor is greyed
    cycle_arrows = article.all("path", "cycle")
    assert len([p for p in cycle_arrows if "arrow" in p.classes]) == 4

    rows = article.one("section", "sources").all("tr")
    named = {r.all("td")[0].text(): r.all("td")[1].text() for r in rows if "named" in r.classes}
    source_lines = samples.SOURCE.splitlines()
    for line in (samples.WAIT_B, samples.TAKE_A, samples.CREATE_A, samples.AUDIT_WAIT):
        assert named[str(line)] == source_lines[line - 1]
    notes = [r.text() for r in rows if "note" in r.classes]
    assert "↑ task 'worker-1' waits for Lock 'lock_b'" in notes
    assert "↑ task 'worker-2' took Lock 'lock_b'" in notes

    stacks = article.all("details", "task")
    assert len(stacks) == 3 and not any("open" in d.attrs for d in stacks)  # folded
    first = stacks[0]
    assert "worker-1" in first.one("summary").text()
    assert "async with lock_b:" in first.one("ol", "stack").text()


def test_potential_findings_have_their_own_section(source: Path) -> None:
    _, dom = page_of(samples.full_report(source))
    sections = {s.attrs.get("id"): s for s in dom.all("section") if s.attrs.get("id")}
    assert set(sections) == {"deadlocks", "potential"}
    definite = [a.one("p", "verdict").text() for a in sections["deadlocks"].all("article")]
    potential = [a.one("p", "verdict").text() for a in sections["potential"].all("article")]
    assert definite == [samples.lock_cycle(source).message, samples.orphan(source).message]
    assert potential == [samples.lock_order(source).message]
    assert "potential" in sections["potential"].one("article").classes
    summary = dom.one("p", "summary").text()
    assert summary == "2 deadlocks found, and 1 potential deadlock."


def test_run_information_is_shown(source: Path) -> None:
    _, dom = page_of(samples.full_report(source))
    run = dom.one("dl", "run")
    shown = dict(
        zip([d.text() for d in run.all("dt")], [d.text() for d in run.all("dd")], strict=True)
    )
    assert shown["Command"] == "python bank.py --accounts 'two words'"
    assert shown["Python"] == "CPython 3.12.1"
    assert shown["Started"] == "2026-01-02T03:04:05+00:00"
    assert shown["Process"] == "4242"


def test_an_empty_report_says_no_deadlock_was_found() -> None:
    page, dom = page_of(Report())
    assert dom.one("p", "summary").text() == "No deadlock found."
    assert dom.one("head").one("title").text() == "aiodeadlock: no deadlock found"
    assert not dom.all("svg") and not dom.all("article")
    assert "<dl" not in page  # no run information to show


def test_only_potential_findings_are_not_called_deadlocks(source: Path) -> None:
    _, dom = page_of(Report((samples.lock_order(source),)))
    assert dom.one("p", "summary").text() == "No deadlock on this run; 1 potential deadlock found."
    assert dom.one("head").one("title").text() == "aiodeadlock: potential deadlock (lock-order)"


def test_the_page_loads_nothing(source: Path) -> None:
    page, dom = page_of(samples.full_report(source))
    assert not dom.all("script") and not dom.all("link") and not dom.all("img")
    assert not dom.all("iframe") and not dom.all("object")
    for element in dom.all():
        for name, value in element.attrs.items():
            assert name not in ("src", "srcset", "action", "xlink:href"), element
            assert not name.startswith("on"), element
            if name == "href":
                assert value.startswith("#"), element
    assert "@import" not in page and not re.search(r"(?i)(?:https?|ftp|wss?|file)://", page)
    assert re.findall(r"url\(([^)]*)\)", page) and all(
        u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", page)
    )
    metas = {m.attrs.get("http-equiv", m.attrs.get("name", "")): m for m in dom.all("meta")}
    assert metas["Content-Security-Policy"].attrs["content"].startswith("default-src 'none'")


def test_light_and_dark_colours(source: Path) -> None:
    _, dom = page_of(Report((samples.lock_cycle(source),)))
    style = dom.one("style").text(skip=frozenset())
    assert "@media (prefers-color-scheme: dark)" in style
    dark = style.split("@media (prefers-color-scheme: dark)")[1]
    assert "--bg:" in dark and "--cycle:" in dark  # both schemes set the same variables
    schemes = [
        m.attrs.get("content") for m in dom.all("meta") if m.attrs.get("name") == "color-scheme"
    ]
    assert schemes == ["light dark"]


HOSTILE = '<script>alert("x")</script>'
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'


def test_everything_from_the_report_is_escaped(tmp_path: Path) -> None:
    path = tmp_path / "<evil>&.py"
    path.write_text("x = '<b>bold</b>'\n" * 30, encoding="utf-8")
    finding = samples.lock_cycle(path, first=HOSTILE, second=HOSTILE_ATTR)
    lock = dataclasses.replace(finding.resources[0], name="</svg><script>1</script>")
    finding = dataclasses.replace(
        finding,
        message=f"cycle {HOSTILE} & more",
        resources=(lock, *finding.resources[1:]),
        notes=("<i>note</i>",),
    )
    report = Report((finding,), dataclasses.replace(samples.run_info(), command=(HOSTILE,)))
    _, dom = page_of(report)
    assert not dom.all("script") and not dom.all("img") and not dom.all("b") and not dom.all("i")
    assert len(dom.all("svg")) == 1
    text = dom.text(skip=frozenset({"style"}))
    for shown in (HOSTILE, HOSTILE_ATTR, "</svg><script>1</script>", "<b>bold</b>", "<i>note</i>"):
        assert shown in text
    assert f"cycle {HOSTILE} & more" == dom.one("p", "verdict").text()
    assert str(path) in dom.one("p", "file-name").text()


def test_text_that_cannot_be_encoded_is_shown_escaped(source: Path) -> None:
    finding = samples.lock_cycle(source, first="bad\ud800name\x1b[31m")
    page = render_report(Report((finding,)))
    page.encode("utf-8")  # no lone surrogate left to fail on
    assert "bad\\ud800name\\x1b[31m" in page


def test_a_missing_source_file_shows_the_location_without_source(tmp_path: Path) -> None:
    _, dom = page_of(Report((samples.lock_cycle(tmp_path / "gone.py"),)))
    sources = dom.one("section", "sources")
    assert "source not available" in sources.one("p", "missing").text()
    named = [r.all("td")[0].text() for r in sources.all("tr") if "named" in r.classes]
    assert str(samples.WAIT_B) in named


def test_a_large_graph_is_summarized(source: Path) -> None:
    _, dom = page_of(Report((samples.crowd(source, 60),)))
    article = dom.one("article")
    assert len(article.all("g", "node")) == 4  # the cycle only
    said = article.one("p", "left-out").text()
    assert "shows 4 of its 65 nodes" in said and "waiter-0" in said and "and 31 more" in said
    assert len(article.all("details", "task")) == 63  # every task is still listed


def test_the_renderer_imports_no_asyncio() -> None:
    code = (
        "import sys, aiodeadlock.report.html, aiodeadlock.report.dot; "
        "bad = sorted(m for m in sys.modules if m == 'asyncio' or m.startswith('asyncio.') "
        "or m.startswith('aiodeadlock.instrument') or m == 'aiodeadlock.runtime'); "
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


def test_long_names_are_cut_in_the_drawing_but_keep_their_line_number(tmp_path: Path) -> None:
    long_file = tmp_path / ("module_with_a_very_long_name_that_goes_on_and_on" + ".py")
    long_file.write_text(samples.SOURCE, encoding="utf-8")
    finding = samples.lock_cycle(long_file, first="w" * 80)
    _, dom = page_of(Report((finding,)))
    drawn = graph_texts(dom.one("article"))
    assert all(len(t) <= 44 for t in drawn)
    places = [t for t in drawn if t.endswith(f".py:{samples.WAIT_B}")]
    assert places and all("…" in t for t in places)
    assert any(t.startswith("www") and "…" in t for t in drawn)
    full = [g.one("title").text() for g in dom.one("svg").all("g", "node")]
    assert any("w" * 80 in t for t in full)  # the tooltip keeps the whole name


def test_cancel_sites_are_named_lines(source: Path) -> None:
    finding = samples.lock_cycle(source)
    first = dataclasses.replace(
        finding.tasks[0],
        cancelled_at=samples.at(source, samples.AUDIT_WAIT),
        cancelled_by="task 'supervisor'",
        caught_at=samples.at(source, samples.CREATE_B),
    )
    finding = dataclasses.replace(finding, tasks=(first, *finding.tasks[1:]))
    _, dom = page_of(Report((finding,)))
    rows = dom.one("article", "finding").one("section", "sources").all("tr")
    notes = [r.text() for r in rows if "note" in r.classes]
    assert "↑ task 'worker-1' was cancelled by task 'supervisor'" in notes
    assert "↑ task 'worker-1' caught the CancelledError" in notes
