"""Install and remove class patches, restoring the originals exactly."""

from __future__ import annotations

import functools
from typing import Any

_MISSING = object()


class Patcher:
    """Applies (class, attribute, value) patches and undoes them."""

    def __init__(self, patches: list[tuple[Any, str, Any]]) -> None:
        self._patches = patches
        self._saved: list[tuple[Any, str, Any]] = []

    @property
    def active(self) -> bool:
        return bool(self._saved)

    def apply(self) -> None:
        if self._saved:
            return
        for cls, name, value in self._patches:
            original = cls.__dict__.get(name, _MISSING)
            self._saved.append((cls, name, original))
            if callable(value) and not isinstance(value, type):
                base = getattr(cls, name, None)
                if callable(base):
                    functools.update_wrapper(value, base, updated=())
            setattr(cls, name, value)

    def restore(self) -> None:
        for cls, name, original in reversed(self._saved):
            if original is _MISSING:
                if name in cls.__dict__:
                    delattr(cls, name)
            else:
                setattr(cls, name, original)
        self._saved.clear()


class _SwitchType(type):
    def __setattr__(cls, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "armed":
            (cls.on_arm if value else cls.on_disarm)()  # type: ignore[attr-defined]

    def __delattr__(cls, name: str) -> None:
        super().__delattr__(name)
        if name == "armed":
            cls.on_disarm()  # type: ignore[attr-defined]


class Switch(metaclass=_SwitchType):
    """A patch target for whatever cannot be patched up front (a module imported later):
    a Patcher setting a subclass's `armed` calls its `on_arm`, restoring it `on_disarm`
    (each subclass says `armed = False` itself, so that restoring sets it)."""

    armed = False

    @staticmethod
    def on_arm() -> None:
        """Called when `armed` is set true."""

    @staticmethod
    def on_disarm() -> None:
        """Called when `armed` is set false."""
