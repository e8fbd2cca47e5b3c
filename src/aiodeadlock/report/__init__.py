"""Renderers: a Report turned into text of a named format, chosen from one table."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from aiodeadlock.model.report import Report

Renderer = Callable[[Report], str]

#: Format name -> the module whose `render_report(report) -> str` writes it.
RENDERERS: dict[str, str] = {
    "text": "aiodeadlock.report.text",
    "json": "aiodeadlock.report.json",
    "html": "aiodeadlock.report.html",
    "dot": "aiodeadlock.report.dot",
}
FORMATS = tuple(RENDERERS)


def renderer(name: str) -> Renderer:
    """The renderer of format `name` (one of FORMATS)."""
    try:
        module = RENDERERS[name]
    except KeyError:
        raise ValueError(f"unknown report format {name!r} (known: {', '.join(FORMATS)})") from None
    render: Renderer = importlib.import_module(module).render_report
    return render


def render(report: Report, name: str) -> str:
    return renderer(name)(report)
