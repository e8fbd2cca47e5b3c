"""Source sites captured cheaply as (code object, bytecode offset), resolved when reporting."""

from __future__ import annotations

import asyncio
import contextlib
import os
from types import CodeType, FrameType

from aiodeadlock.model.location import Location

_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
#: Standard-library plumbing between user code and a primitive (AsyncExitStack...).
_PLUMBING_FILES = (contextlib.__file__,)
_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
#: Directories whose code reports leave out: asyncio's, ours, and libraries whose
#: primitives are instrumented (anyio, while patched).
_HIDDEN: tuple[str, ...] = (_ASYNCIO_DIR, _OWN_DIR)


def hide_library(directory: str) -> None:
    """Leave the code under `directory` (a library that wraps asyncio) out of reports."""
    global _HIDDEN
    if directory not in _HIDDEN:
        _HIDDEN = (*_HIDDEN, directory)


def show_library(directory: str) -> None:
    """Undo `hide_library`."""
    global _HIDDEN
    _HIDDEN = tuple(d for d in _HIDDEN if d != directory)


def line_of(code: CodeType, lasti: int) -> int:
    """The source line of bytecode offset `lasti` in `code`."""
    if lasti >= 0:
        for start, end, line in code.co_lines():
            if start <= lasti < end and line is not None:
                return line
    return code.co_firstlineno


def location(code: CodeType | None, lasti: int) -> Location | None:
    """A report location for a captured site, or None if nothing was captured.

    A negative offset is an inverted one (`~lasti`), as the lock patches store it.
    """
    if code is None:
        return None
    if lasti < 0:
        lasti = ~lasti
    return Location(code.co_filename, line_of(code, lasti), qualname(code))


def frame_location(frame: FrameType) -> Location:
    """The location a frame is currently at."""
    code = frame.f_code
    return Location(code.co_filename, frame.f_lineno or code.co_firstlineno, qualname(code))


def qualname(code: CodeType) -> str:
    """The qualified function name of a code object where the interpreter keeps one."""
    return str(getattr(code, "co_qualname", code.co_name))


def is_internal(code: CodeType) -> bool:
    """True for code of asyncio itself, of this package or of a hidden library (see
    `hide_library`), which reports leave out."""
    filename = code.co_filename
    return filename.startswith(_HIDDEN) or filename in _PLUMBING_FILES


_HANDLE_RUN = asyncio.events.Handle._run.__code__


def user_frame(frame: FrameType | None) -> FrameType | None:
    """The nearest frame at or above `frame` that is not asyncio's or ours.

    The search stops at the event loop's callback runner: frames above it belong to
    whoever runs the loop, not to the task, so None is returned then.
    """
    while frame is not None and is_internal(frame.f_code):
        if frame.f_code is _HANDLE_RUN:
            return None
        frame = frame.f_back
    return frame


def describe_callable(callback: object) -> str:
    """A callback as a report names it: its qualified name and where it is defined."""
    func = getattr(callback, "__func__", callback)
    while hasattr(func, "func"):  # functools.partial
        func = func.func
    code = getattr(func, "__code__", None)
    if isinstance(code, CodeType):
        where = Location(code.co_filename, code.co_firstlineno).short()
        return f"{qualname(code)} ({where})"
    return repr(callback)[:120]
