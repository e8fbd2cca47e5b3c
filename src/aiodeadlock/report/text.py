"""The human-readable report: the cycle first, one line per edge, then each task's stack."""

from __future__ import annotations

from collections.abc import Sequence

from aiodeadlock.model.findings import Edge, Finding, Resource, TaskReport
from aiodeadlock.model.report import Report


def render_finding(finding: Finding) -> str:
    """One finding as text (ends with a newline)."""
    kind = finding.kind
    head = "deadlock detected" if finding.definite else "potential deadlock"
    lines = [f"aiodeadlock: {head}: {kind.name} ({kind.code})", f"  {finding.message}"]
    if finding.kind.code == "DL104":
        lines += _order_paths(finding)
    elif finding.edges:
        lines.append("  wait-for edges:")
        for e, more in _grouped(finding):
            lines.append("    " + _edge_line(finding, e, more))
    for t in finding.tasks:
        if t.state == "ended":
            how = t.ended or "ended"
            extra = f": {t.exception}" if t.exception else ""
            where = f" at {t.ended_at.short()}" if t.ended_at else ""
            lines.append(f"  Task {t.name!r} has ended ({how}{extra}){where}.")
            for h in t.holds if not finding.edges else ():
                res = finding.resource(h.resource)
                since = f", taken at {h.since.short()}" if h.since else ""
                lines.append(f"    still holding {res.label() if res else h.resource}{since}")
            continue
        if finding.kind.code != "DL108":  # (its message says all of this)
            lines += _cancel_lines(t)
        if not t.stack:
            continue
        stack = "stack" if t.actor == "thread" else "await stack"
        lines.append(f"  {_who(t)} {stack} (most recent call last):")
        for loc in t.stack:
            fn = f" in {loc.function}" if loc.function else ""
            lines.append(f"    {loc.short()}{fn}")
    for note in finding.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines) + "\n"


def render(findings: Sequence[Finding]) -> str:
    """A whole report as text."""
    return "\n".join(render_finding(f) for f in findings)


def render_report(report: Report) -> str:
    return render(report.findings)


_AWAITS = {"Task", "gather", "TaskGroup", "asyncio.wait", "asyncio.as_completed"}
#: Server.wait_closed(): the tasks serving its connections (3.12+ waits for them to close).
_SERVER_CLOSED = "Server.wait_closed"
#: Waits on several tasks at once, shown as one line.
_GROUPED = (_AWAITS - {"Task"}) | {_SERVER_CLOSED}
#: The key of asyncio.run's shutdown where it waits for a task (cancel-ignored).
_SHUTDOWN = "shutdown"


def _who(task: TaskReport) -> str:
    if task.key == _SHUTDOWN:
        return "asyncio.run's shutdown"
    if task.actor == "thread":  # named "thread NAME" or "a callback on thread NAME"
        return task.name[:1].upper() + task.name[1:]
    return f"Task {task.name!r}"


def _named(task: TaskReport) -> str:
    return task.name if task.actor == "thread" else f"task {task.name!r}"


def _cancel_lines(t: TaskReport) -> list[str]:
    """Where a task was asked to stop, and where it caught the CancelledError."""
    out = []
    if t.cancelled_at is not None or t.cancelled_by is not None:
        by = f" by {t.cancelled_by}" if t.cancelled_by else ""
        at = f" at {t.cancelled_at.short()}" if t.cancelled_at else ""
        out.append(f"  {_who(t)} was cancelled{by}{at}")
    if t.caught_at is not None:
        out.append(f"    and caught the CancelledError at {t.caught_at.short()}")
    return out


def _grouped(finding: Finding) -> list[tuple[Edge, list[str]]]:
    """The edges, those of one wait on gather, a TaskGroup... as one (with the names of the
    other tasks it needs), so a wait on many tasks is one line."""
    out: list[tuple[Edge, list[str]]] = []
    seen: dict[tuple[object, ...], list[str]] = {}
    for e in finding.edges:
        res = finding.resource(e.resource)
        holder = finding.task(e.holder)
        grouped = (res is not None and res.type in _GROUPED) or e.relation == "runs"
        if grouped and holder is not None:
            key = (e.waiter, e.resource, e.wait_at)
            if key in seen:
                seen[key].append(holder.name)
                continue
            seen[key] = []
            out.append((e, seen[key]))
            continue
        out.append((e, []))
    return out


def _edge_line(finding: Finding, e: Edge, more: list[str] | None = None) -> str:
    """One wait-for edge: who waits where, for what, held by whom since where (`more`: other
    tasks the same wait needs to finish)."""
    waiter = finding.task(e.waiter)
    res = finding.resource(e.resource)
    holder = finding.task(e.holder)
    text = f"Task {waiter.name if waiter else e.waiter!r} waits"
    if waiter is not None:
        text = f"{_who(waiter)} waits"
    if e.wait_at is not None:
        text += f" at {e.wait_at.short()}"
    if res is not None and res.type == "Task" and holder is not None:
        text += f" for task {holder.name!r} to finish"
        return text + (" (itself)" if e.holder == e.waiter else "")
    text += f" for {res.label() if res else e.resource}"
    if res is not None and res.detail:
        text += f" [{res.detail}]"
    if holder is None:
        return text
    if res is not None and res.type == _SERVER_CLOSED:
        names = ", ".join(repr(n) for n in [holder.name, *(more or [])])
        return text + f", until the connections served by task(s) {names} are closed"
    if e.relation == "runs":  # a job of a thread pool: running, or queued for a worker
        if more:
            names = ", ".join([holder.name, *more])
            return text + f", queued until one of {names} is free"
        return text + f", which only {holder.name} can run"
    if e.relation == "finishes" and (res is None or res.type not in _AWAITS):
        return text + f", which needs {_named(holder)} to finish"
    if res is not None and res.type in _AWAITS:
        if more:
            names = ", ".join(repr(n) for n in [holder.name, *more])
            return text + f", which needs tasks {names} to finish"
        return text + f", which needs task {holder.name!r} to finish"
    if e.relation == "wakes":
        text += f", which task {holder.name!r} would {wake_verb(res)}"
        return text + (f" (did at {e.since.short()})" if e.since is not None else "")
    who = "itself" if e.holder == e.waiter else _named(holder)
    text += f", held by {who}"
    if holder.state == "ended":
        text += f" ({holder.ended})"
    if e.since is not None:
        text += f" since {e.since.short()}"
    hold = next((h for h in holder.holds if h.resource == e.resource), None)
    if hold is not None and (hold.released_by or hold.released_at):
        by = f" by task {hold.released_by!r}" if hold.released_by else ""
        at = f" at {hold.released_at.short()}" if hold.released_at else ""
        text += f" (handed over{by}, released{at})"
    return text


#: What a task does to end a wait on a resource of each type (wake edges).
_WAKE_VERBS = {
    "Event": "set",
    "Condition": "notify",
    "Queue.get": "put into",
    "Queue.put": "take from",
    "Queue.join": "mark done",
    "Future": "resolve",
}


def wake_verb(res: Resource | None) -> str:
    """ "set", "put into"...: what the waker of a wake edge would do to `res`."""
    if res is None:
        return "wake it"
    if "Semaphore" in res.type:
        return "release"
    return _WAKE_VERBS.get(res.type, "wake it")


def _order_paths(finding: Finding) -> list[str]:
    """Lock-order paths: who held what (taken where) while asking for what (where)."""
    lines = []

    def name(res: Resource | None) -> str:
        if res is None:
            return "?"
        return res.label() + (f" [{res.detail}]" if res.detail else "")

    for i, t in enumerate(finding.tasks, 1):
        held = finding.resource(t.holds[0].resource) if t.holds else None
        since = t.holds[0].since if t.holds else None
        wanted = finding.resource(t.waits_for)
        text = f"  path {i}: task {t.name!r} holds {name(held)}"
        if since is not None:
            text += f" (taken at {since.short()})"
        text += f" and takes {name(wanted)}"
        if t.waits_at is not None:
            text += f" at {t.waits_at.short()}"
        lines.append(text)
    return lines
