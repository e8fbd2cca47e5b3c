"""Run a script or module as `python` would: fresh __main__, argv, sys.path[0], tracebacks."""

from __future__ import annotations

import builtins
import importlib.machinery
import itertools
import os
import runpy
import signal
import sys
import types
from typing import Any

_OWN_FILES = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,)


class NoSuchProgram(Exception):
    """The script or module to run does not exist (a usage error)."""


def run_script(path: str, args: list[str]) -> None:
    """Execute `path` as the __main__ module with `args` after it in sys.argv."""
    try:
        with open(path, "rb") as fh:
            source = fh.read()
    except OSError as exc:
        raise NoSuchProgram(f"can't open file {path!r}: {exc.strerror}") from None
    filename = os.path.abspath(path)  # python makes __file__ and code paths absolute (3.9+)
    main = types.ModuleType("__main__")
    main.__file__ = filename
    main.__builtins__ = builtins  # type: ignore[attr-defined]
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", filename)
    main.__spec__ = None
    main.__cached__ = None  # type: ignore[attr-defined]
    sys.argv = [path, *args]
    sys.path[0] = os.path.dirname(os.path.realpath(path))  # python resolves symlinks here
    old_main = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            _report_uncaught(exc, strip=True)
            raise SystemExit(1) from None
        except ValueError as exc:  # null bytes, before 3.12: python calls it a SyntaxError
            _report_uncaught(SyntaxError(str(exc)), strip=True)
            raise SystemExit(1) from None
        _execute(lambda: exec(code, main.__dict__))
    finally:
        _keep = old_main  # the old __main__ stays alive until the program is done
        del _keep


def run_module(name: str, args: list[str]) -> None:
    """Execute module `name` as `python -m name` would."""
    sys.argv = [name, *args]
    sys.path[0] = os.getcwd()
    try:
        import importlib.util

        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as exc:
        raise NoSuchProgram(f"error while finding module {name!r}: {exc}") from None
    if spec is None:
        raise NoSuchProgram(f"no module named {name!r}")
    _execute(lambda: runpy._run_module_as_main(name, alter_argv=True))  # type: ignore[attr-defined]


def _execute(body: Any) -> None:
    """Run the program body; report an uncaught exception as python would, then exit."""
    try:
        body()
    except SystemExit:
        raise
    except KeyboardInterrupt as exc:
        _report_uncaught(exc)
        _die_of_sigint()
    except BaseException as exc:
        _report_uncaught(exc)
        raise SystemExit(1) from None


def _user_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback without this package's frames (the runner's, and patched methods').

    Python would show runpy's frames for `-m`, so those stay.
    """
    kept: list[types.TracebackType] = []
    while tb is not None:
        if not os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_OWN_FILES):
            kept.append(tb)
        tb = tb.tb_next
    for outer, inner in itertools.pairwise(kept):
        outer.tb_next = inner
    if kept:
        kept[-1].tb_next = None
    return kept[0] if kept else None


def _strip_chain(exc: BaseException, seen: set[int]) -> None:
    """Strip own frames from `exc`, its cause/context chain and exception-group members."""
    if id(exc) in seen:
        return
    seen.add(id(exc))
    exc.__traceback__ = _user_traceback(exc.__traceback__)
    for other in (exc.__cause__, exc.__context__, *getattr(exc, "exceptions", ())):
        if isinstance(other, BaseException):
            _strip_chain(other, seen)


def _report_uncaught(exc: BaseException, strip: bool = False) -> None:
    if strip:
        exc.__traceback__ = None
    else:
        _strip_chain(exc, set())
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _die_of_sigint() -> None:
    """Exit the way an interpreter killed by Ctrl-C does (status -SIGINT / 130)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    if hasattr(signal, "SIGINT") and hasattr(os, "kill"):
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    raise SystemExit(130)
