"""Every source line a finding names, with what happens there ("task 'a' took Lock 'x'")."""

from __future__ import annotations

from dataclasses import dataclass

from aiodeadlock.model.findings import Finding, Resource, TaskReport
from aiodeadlock.model.location import Location
from aiodeadlock.report.text import wake_verb


@dataclass(frozen=True)
class NamedLine:
    location: Location
    note: str
    #: Background (where something was created, an outer frame of a stack), not an event
    #: of the deadlock itself.
    context: bool = False


def named_lines(finding: Finding) -> list[NamedLine]:
    """Every line the finding names, the place it was caught first."""
    named: list[NamedLine] = []
    if finding.location is not None:
        named.append(NamedLine(finding.location, "detected here"))
    for t in finding.tasks:
        who = task_name(t)
        if t.waits_at is not None:
            verb = "takes" if t.state == "path" else "waits for"
            what = resource_name(finding.resource(t.waits_for), t.waits_for)
            named.append(NamedLine(t.waits_at, f"{who} {verb} {what}"))
        for h in t.holds:
            if h.since is not None:
                what = resource_name(finding.resource(h.resource), h.resource)
                named.append(NamedLine(h.since, f"{who} took {what}"))
        if t.ended_at is not None:
            named.append(NamedLine(t.ended_at, f"{who} ended ({t.ended or 'ended'})"))
        if t.cancelled_at is not None:
            by = f" by {t.cancelled_by}" if t.cancelled_by else ""
            named.append(NamedLine(t.cancelled_at, f"{who} was cancelled{by}"))
        if t.caught_at is not None:
            named.append(NamedLine(t.caught_at, f"{who} caught the CancelledError"))
    for e in finding.edges:
        what = resource_name(finding.resource(e.resource), e.resource)
        if e.wait_at is not None:
            waiter = task_name(finding.task(e.waiter), e.waiter)
            named.append(NamedLine(e.wait_at, f"{waiter} waits for {what}"))
        if e.since is not None and e.holder is not None:
            holder = task_name(finding.task(e.holder), e.holder)
            if e.relation == "wakes":
                verb = _PAST.get(wake_verb(finding.resource(e.resource)), "woke")
                note = f"{holder} {verb} {what} (and would again)"
            else:
                note = f"{holder} took {what}"
            named.append(NamedLine(e.since, note))
    for t in finding.tasks:
        for h in t.holds:
            if h.released_at is not None:
                what = resource_name(finding.resource(h.resource), h.resource)
                by = f"task {h.released_by!r}" if h.released_by else "a task"
                named.append(NamedLine(h.released_at, f"{by} released {what} to {task_name(t)}"))
    for r in finding.resources:
        if r.created_at is not None:
            named.append(NamedLine(r.created_at, f"{resource_name(r, r.key)} created", True))
    for t in finding.tasks:
        for frame in t.stack[:-1] if t.waits_at else t.stack:
            named.append(NamedLine(frame, f"{task_name(t)} await stack", True))
    return named


#: Wake verbs (report.text.wake_verb) in the past tense.
_PAST = {
    "set": "set",
    "notify": "notified",
    "put into": "put into",
    "take from": "took from",
    "mark done": "marked done",
    "resolve": "resolved",
    "release": "released",
}


def task_name(task: TaskReport | None, key: str | None = None) -> str:
    """`task 'name'` (or the thread's own name, `thread NAME`); the key when the task is
    not in the finding."""
    if task is None:
        return f"task {key}"
    if task.actor == "thread":  # its name says so: "thread NAME", "a callback on thread NAME"
        return task.name
    return f"task {task.name!r}"


def resource_name(res: Resource | None, key: str | None) -> str:
    """`Lock 'name'`, or the type alone when unnamed; the key when it is not in the finding."""
    if res is None:
        return f"resource {key}"
    return f"{res.type} {res.name!r}" if res.name else res.type
