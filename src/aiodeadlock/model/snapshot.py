"""A snapshot of the wait-for graph: every task, what it waits on and what it holds."""

from __future__ import annotations

from dataclasses import dataclass

from aiodeadlock.model.findings import Resource, TaskReport


@dataclass(frozen=True)
class Snapshot:
    """The tasks of one event loop at one moment, with the resources they involve."""

    tasks: tuple[TaskReport, ...]
    resources: tuple[Resource, ...]

    def resource(self, key: str | None) -> Resource | None:
        return next((r for r in self.resources if r.key == key), None)

    def to_json(self) -> dict[str, object]:
        return {
            "format_version": 1,
            "tasks": [t.to_json() for t in self.tasks],
            "resources": [r.to_json() for r in self.resources],
        }

    def render(self) -> str:
        """The snapshot as text: one block per task."""
        lines = [f"aiodeadlock: snapshot of {len(self.tasks)} task(s)"]
        for t in self.tasks:
            head = f"  Task {t.name!r}: {t.state}"
            res = self.resource(t.waits_for)
            if res is not None:
                head += f", waits for {res.label()}"
                if t.waits_at is not None:
                    head += f" at {t.waits_at.short()}"
            lines.append(head)
            for h in t.holds:
                held = self.resource(h.resource)
                since = f" since {h.since.short()}" if h.since else ""
                lines.append(f"    holds {held.label() if held else h.resource}{since}")
            for loc in t.stack:
                fn = f" in {loc.function}" if loc.function else ""
                lines.append(f"    {loc.short()}{fn}")
        return "\n".join(lines) + "\n"
