"""One finding as an HTML article: verdict, drawn graph, named source lines, await stacks."""

from __future__ import annotations

from collections.abc import Mapping

from aiodeadlock.model.findings import Finding, TaskReport
from aiodeadlock.model.location import Location
from aiodeadlock.report import findinggraph
from aiodeadlock.report.findinggraph import AWAITED_TYPES, COLLATERAL, CYCLE, FindingGraph
from aiodeadlock.report.markup import attr, text
from aiodeadlock.report.namedlines import named_lines, resource_name
from aiodeadlock.report.places import at, finding_files, short_names
from aiodeadlock.report.sources import FileExcerpts, excerpts, source_line
from aiodeadlock.report.svg import render_svg

#: Names listed for the part of a large graph that is not drawn; more are counted.
MAX_LISTED = 30


def render_finding(finding: Finding, anchor: str) -> str:
    """The article of `finding`; `anchor` is its id in the page (and its ids' prefix)."""
    names = short_names(finding_files(finding))
    graph = findinggraph.build(finding)
    state = "definite" if finding.definite else "potential"
    badge = "deadlock" if finding.definite else "potential"
    parts = [
        f'<article class="finding {state}" id="{attr(anchor)}">',
        f'<p class="kind"><span class="badge">{badge}</span> '
        f"{text(finding.kind.name)} <code>{text(finding.kind.code)}</code></p>",
        f'<p class="verdict">{text(finding.message)}</p>',
    ]
    if finding.location is not None:
        parts.append(f'<p class="caught">Detected at {_where(finding.location)}.</p>')
    if finding.notes:
        parts.append('<ul class="notes">')
        parts += [f"<li>{text(note)}</li>" for note in finding.notes]
        parts.append("</ul>")
    if graph.nodes:
        parts.append(_figure(finding, graph, anchor))
    parts.append(_sources(finding))
    if finding.tasks:
        parts.append(_tasks(finding, graph, names))
    parts.append("</article>")
    return "\n".join(parts)


def _where(loc: Location) -> str:
    function = f" in <code>{text(loc.function)}()</code>" if loc.function else ""
    return f"<code>{text(loc.short())}</code>{function}"


def _figure(finding: Finding, graph: FindingGraph, anchor: str) -> str:
    title = f"Wait-for graph of {finding.kind.name}: {finding.message}"
    svg = render_svg(graph, anchor, title)
    parts = ['<figure class="graph">', f'<div class="scroll">{svg}</div>', "<figcaption>"]
    roles = {n.role for n in graph.nodes}
    keys = [("task", "task or thread"), ("resource", "lock, task, event, … waited on")]
    if CYCLE in roles:
        keys.append(("cycle", "on the cycle" if finding.members else "the cycle of paths"))
    if COLLATERAL in roles:
        keys.append(("collateral", "waits on the cycle, not on it"))
    keys += [("wait", "waits for"), ("hold", "held by / needs")]
    for cls, meaning in keys:
        parts.append(f'<span class="key"><span class="swatch {cls}"></span>{text(meaning)}</span>')
    parts.append("</figcaption>")
    if graph.left_out:
        parts.append(_left_out(graph))
    parts.append("</figure>")
    return "\n".join(parts)


def _left_out(graph: FindingGraph) -> str:
    shown = [f"{n.caption} {n.name}".strip() for n in graph.left_out[:MAX_LISTED]]
    more = len(graph.left_out) - len(shown)
    listed = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
    return (
        f'<p class="left-out">This graph is too large to draw whole: it shows '
        f"{len(graph.nodes)} of its {len(graph.nodes) + len(graph.left_out)} nodes. "
        f"Not drawn: {text(listed)}. Every task is listed below.</p>"
    )


def _sources(finding: Finding) -> str:
    named = named_lines(finding)
    files = excerpts([(n.location, n.note) for n in named])
    if not files:
        return ""
    context = {n.note for n in named if n.context}
    parts = ['<section class="sources">', "<h4>Source lines</h4>"]
    parts += [_file(f, context) for f in files]
    parts.append("</section>")
    return "\n".join(parts)


def _file(excerpt: FileExcerpts, context: set[str]) -> str:
    parts = ['<div class="file">', f'<p class="file-name">{text(excerpt.file)}</p>']
    if not excerpt.found:
        parts.append(f'<p class="missing">source not available: {text(excerpt.file)}</p>')
    for run in excerpt.runs:
        parts.append('<table class="source">')
        for line in run:
            named = ' class="named"' if line.notes else ""
            number = f'<td class="number">{line.number}</td>'
            parts.append(f'<tr{named}>{number}<td class="code">{text(line.text)}</td></tr>')
            for note in line.notes:
                cls = "note context" if note in context else "note"
                parts.append(f'<tr class="{cls}"><td></td><td>↑ {text(note)}</td></tr>')
        parts.append("</table>")
    parts.append("</div>")
    return "\n".join(parts)


def _tasks(finding: Finding, graph: FindingGraph, names: Mapping[str, str]) -> str:
    parts = ['<section class="tasks">', "<h4>Tasks and their await stacks</h4>"]
    for t in finding.tasks:
        node = graph.node(t.key)
        role = node.role if node is not None else ""
        if node is None:  # left out of a summarized graph
            role = next((n.role for n in graph.left_out if n.key == t.key), "")
        parts.append(f'<details class="task {attr(role)}">')
        parts.append(f"<summary>{_task_summary(finding, t, names, role)}</summary>")
        parts.append(_task_body(finding, t, names))
        parts.append("</details>")
    parts.append("</section>")
    return "\n".join(parts)


def _task_summary(finding: Finding, t: TaskReport, names: Mapping[str, str], role: str) -> str:
    who = "Thread" if t.actor == "thread" else "Task"
    summary = f"{who} <strong>{text(t.name)}</strong>"
    if t.state == "ended":
        summary += f" ended ({text(t.ended or 'ended')})"
        if t.exception:
            summary += f": <code>{text(t.exception)}</code>"
    elif t.waits_at is not None:
        verb = "takes" if t.state == "path" else "waits"
        res = finding.resource(t.waits_for)
        what = f" for {text(resource_name(res, t.waits_for))}" if t.waits_for else ""
        summary += f" {verb}{what} at <code>{text(at(t.waits_at, names))}</code>"
    else:
        summary += f" ({text(t.state)})"
    if role == CYCLE and finding.members:
        summary += " · on the cycle"
    elif role == COLLATERAL:
        summary += " · waits on the cycle"
    return summary


def _task_body(finding: Finding, t: TaskReport, names: Mapping[str, str]) -> str:
    parts = []
    held = []
    for h in t.holds:
        res = finding.resource(h.resource)
        if res is not None and res.type in AWAITED_TYPES:
            continue  # "holding" an awaitable means being what it waits for, said elsewhere
        since = f" since <code>{text(at(h.since, names))}</code>" if h.since else ""
        held.append(f"{text(resource_name(res, h.resource))}{since}")
    if held:
        parts.append(f"<p>Holds {', '.join(dict.fromkeys(held))}.</p>")
    if t.stack:
        parts.append('<p>Await stack, most recent call last:</p><ol class="stack">')
        for frame in t.stack:
            function = f" in <code>{text(frame.function)}()</code>" if frame.function else ""
            source = source_line(frame)
            line = f'<code class="line">{text(source)}</code>' if source else ""
            parts.append(f"<li><code>{text(at(frame, names))}</code>{function}{line}</li>")
        parts.append("</ol>")
    elif t.state != "ended":
        parts.append('<p class="empty">No await stack was recorded.</p>')
    return "\n".join(parts)
