"""Text made safe to write anywhere: no lone surrogates, no control characters, HTML escaped."""

from __future__ import annotations

import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` that encodes as UTF-8: lone surrogates and control characters (other than tab
    and newline) shown as escapes, such as `\\ud800` and `\\x1b`."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def text(value: object) -> str:
    """`value` as HTML text content."""
    return html.escape(clean(str(value)), quote=False)


def attr(value: object) -> str:
    """`value` as the content of a double-quoted HTML attribute."""
    return html.escape(clean(str(value)), quote=True)
