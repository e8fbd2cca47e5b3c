"""The HTML report: one self-contained page (inline CSS and SVG, no script, nothing loaded)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from aiodeadlock._version import __version__
from aiodeadlock.model.findings import Finding
from aiodeadlock.model.report import FORMAT_VERSION, Report, RunInfo
from aiodeadlock.report.htmlfinding import render_finding
from aiodeadlock.report.htmlstyle import STYLE
from aiodeadlock.report.markup import text

#: Nothing may be fetched: no scripts, fonts, images or frames; only the inline stylesheet.
CONTENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
NO_DEADLOCK = "No deadlock found."


def render_report(report: Report) -> str:
    """The whole report as an HTML document."""
    definite, potential = report.definite, report.potential
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f"<title>{text(_title(definite, potential))}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        '<header class="page">',
        "<h1>aiodeadlock report</h1>",
        _summary(definite, potential),
    ]
    if report.run is not None:
        parts.append(_run(report.run))
    parts += ["</header>", "<main>"]
    if definite:
        parts += _section("deadlocks", "Deadlocks", definite, "deadlock", "")
    if potential:
        intro = (
            "Hazards seen on this run that did not (or not yet) hang it: they can deadlock "
            "another run."
        )
        parts += _section("potential", "Potential deadlocks", potential, "potential", intro)
    version = report.run.tool_version if report.run is not None else __version__
    parts += [
        "</main>",
        f"<footer>aiodeadlock {text(version)} · report format_version {FORMAT_VERSION}</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _title(definite: Sequence[Finding], potential: Sequence[Finding]) -> str:
    if definite:
        return f"aiodeadlock: deadlock detected ({definite[0].kind.name})"
    if potential:
        return f"aiodeadlock: potential deadlock ({potential[0].kind.name})"
    return "aiodeadlock: no deadlock found"


def _summary(definite: Sequence[Finding], potential: Sequence[Finding]) -> str:
    def count(n: int, what: str, anchor: str) -> str:
        plural = "s" if n != 1 else ""
        return f'<a href="#{anchor}">{n} {what}{plural}</a>'

    if definite:
        said = f"{count(len(definite), 'deadlock', 'deadlocks')} found"
        if potential:
            said += f", and {count(len(potential), 'potential deadlock', 'potential')}"
        return f'<p class="summary">{said}.</p>'
    if potential:
        said = count(len(potential), "potential deadlock", "potential")
        return f'<p class="summary potential">No deadlock on this run; {said} found.</p>'
    return f'<p class="summary clean">{NO_DEADLOCK}</p>'


def _run(run: RunInfo) -> str:
    rows = [
        ("Command", shlex.join(run.command)),
        ("Python", f"{run.implementation} {run.python}".strip()),
        ("Platform", run.platform),
        ("Started", run.started),
        ("Process", str(run.pid) if run.pid else ""),
    ]
    items = [f"<dt>{name}</dt><dd>{text(value)}</dd>" for name, value in rows if value]
    return '<dl class="run">' + "".join(items) + "</dl>"


def _section(
    anchor: str, heading: str, findings: Sequence[Finding], prefix: str, intro: str
) -> list[str]:
    parts = [f'<section id="{anchor}">', f"<h2>{heading}</h2>"]
    if intro:
        parts.append(f"<p>{text(intro)}</p>")
    for number, finding in enumerate(findings, 1):
        parts.append(render_finding(finding, f"{prefix}-{number}"))
    parts.append("</section>")
    return parts
