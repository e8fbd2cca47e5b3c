"""Reading report JSON back: typed accessors that fail with one clear message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiodeadlock.errors import AiodeadlockError


class BadReportData(AiodeadlockError, ValueError):
    """JSON that is not a report of a known format (the message says where and why)."""

    slug = "report"


def obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise BadReportData(f"{where}: expected an object, got {type(value).__name__}")
    return value


def seq(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise BadReportData(f"{where}.{key}: expected a list, got {type(value).__name__}")
    return value


def text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise BadReportData(f"{where}.{key}: expected a string, got {_shown(value)}")
    return value


def opt_text(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise BadReportData(f"{where}.{key}: expected a string or null, got {_shown(value)}")
    return value


def integer(data: Mapping[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if type(value) is not int:
        raise BadReportData(f"{where}.{key}: expected an integer, got {_shown(value)}")
    return value


def flag(data: Mapping[str, Any], key: str, where: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise BadReportData(f"{where}.{key}: expected true or false, got {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {value!r}"[:80]
