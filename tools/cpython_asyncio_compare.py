#!/usr/bin/env python3
"""Run CPython's own test_asyncio files with and without aiodeadlock and compare the outcomes."""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"
DEFAULT_TIMEOUT = 900.0
#: Rerun at most this many differing test ids one by one before giving up and rerunning the file.
RECHECK_LIMIT = 40

# Loaded at start-up of every Python process that has the site dir on PYTHONPATH.
SITECUSTOMIZE = textwrap.dedent(
    """\
    import os as _os

    _dir = _os.environ.get("AIODEADLOCK_COMPAT_DIR")
    if _dir:
        import atexit as _atexit
        import json as _json

        from aiodeadlock.onimport import after_import as _after_import

        def _install():
            import sys as _sys

            import aiodeadlock as _adl

            _pid = _os.getpid()
            _out = _os.path.join(_dir, "findings-%d.json" % _pid)
            # detect() is install() now and, at exit, the end-of-run report (lock order).
            _detection = _adl.detect(on_deadlock="report", format="json", output=_out)
            _detection.__enter__()
            _atexit.register(_detection.__exit__, None, None, None)
            _code = getattr(_sys.modules["asyncio"].Lock.acquire, "__code__", None)
            with open(_os.path.join(_dir, "installed-%d.json" % _pid), "w") as _fh:
                _json.dump({"pid": _pid, "lock_acquire": _code and _code.co_filename}, _fh)

        # The test runner is instrumented from its start, as `aiodeadlock run` does; the
        # processes its tests start, as production mode does: at their first import of
        # asyncio (so that one that never uses it imports what it does in its own order).
        if _os.environ.pop("AIODEADLOCK_COMPAT_RUNNER", None):
            import asyncio  # noqa: F401

        _after_import("asyncio", _install)
    """
)

# Runs tests exactly as `python -m unittest -v NAMES` does, and records each outcome as a
# JSON line as soon as it is known (so a crash or a timeout keeps what ran before it).
DRIVER = textwrap.dedent(
    """\
    import json, signal, sys, unittest

    # Some tests send themselves SIGINT: give them Python's own handler even when this
    # tool was started with SIGINT ignored (nohup, a background job), which they inherit.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    _log = None

    def _put(test_id, outcome, detail=""):
        global _log
        if _log is None:
            _log = open(sys.argv[1], "a", encoding="utf-8")
        _log.write(json.dumps({"id": test_id, "outcome": outcome, "detail": detail}) + "\\n")
        _log.flush()

    class Recording(unittest.TextTestResult):
        def addSuccess(self, test):
            super().addSuccess(test)
            _put(test.id(), "ok")

        def addFailure(self, test, err):
            super().addFailure(test, err)
            _put(test.id(), "FAIL", self._exc_info_to_string(err, test))

        def addError(self, test, err):
            super().addError(test, err)
            _put(test.id(), "ERROR", self._exc_info_to_string(err, test))

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            _put(test.id(), "skipped", reason)

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            _put(test.id(), "expected failure")

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            _put(test.id(), "unexpected success")

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                bad = issubclass(err[0], test.failureException)
                _put(subtest.id(), "FAIL" if bad else "ERROR", self._exc_info_to_string(err, test))

    if __name__ == "__main__":  # multiprocessing's spawned children import this file too
        runner = unittest.TextTestRunner(verbosity=2, resultclass=Recording)
        unittest.main(module=None, argv=["python -m unittest", "-v", *sys.argv[2:]],
                      testRunner=runner, exit=False)
    """
)


@dataclass
class Run:
    """One subprocess run of some tests, plain or instrumented."""

    names: list[str]
    instrumented: bool
    outcomes: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    returncode: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    output: str = ""
    findings: list[dict[str, object]] = field(default_factory=list)
    installed: bool = False

    @property
    def definite(self) -> list[dict[str, object]]:
        """Findings of a definite deadlock (a finding without the flag counts as one)."""
        return [f for f in self.findings if f.get("definite", True) is not False]

    @property
    def potential(self) -> list[dict[str, object]]:
        """Potential findings (lock order, locks still held by ended tasks)."""
        return [f for f in self.findings if f.get("definite", True) is False]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for outcome in self.outcomes.values():
            out[outcome] = out.get(outcome, 0) + 1
        return out


@dataclass
class Difference:
    test_id: str
    plain: str
    instrumented: str
    detail: str = ""
    confirmed: bool = True


@dataclass
class FileResult:
    """The comparison of one test file."""

    name: str
    plain: Run
    instrumented: Run
    differences: list[Difference] = field(default_factory=list)

    @property
    def confirmed(self) -> list[Difference]:
        return [d for d in self.differences if d.confirmed]

    def ok(self, strict: bool = False) -> bool:
        """No confirmed difference and no definite finding (no finding at all if strict)."""
        inst = self.instrumented
        findings = inst.findings if strict else inst.definite
        return self.checked and not self.confirmed and not findings

    @property
    def checked(self) -> bool:
        """The detector was on, or no test ran at all (a module skipped at import)."""
        ran = self.instrumented.outcomes or self.plain.outcomes
        return self.instrumented.installed or not ran


def stdlib_test_dir(python: str) -> Path | None:
    """The test_asyncio directory of `python`'s standard library, or None if not shipped."""
    code = "import sysconfig; print(sysconfig.get_paths()['stdlib'])"
    out = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    path = Path(out.stdout.strip()) / "test" / "test_asyncio"
    return path if (path / "__init__.py").is_file() else None


def asyncio_test_files(python: str) -> list[str]:
    """Names (like 'test_locks') of every test module or package in test_asyncio."""
    directory = stdlib_test_dir(python)
    if directory is None:
        return []
    names = set()
    for entry in directory.iterdir():
        if not entry.name.startswith("test_"):
            continue
        if entry.suffix == ".py":
            names.add(entry.stem)
        elif entry.is_dir() and (entry / "__init__.py").is_file():
            names.add(entry.name)
    return sorted(names)


def _killpg(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def run_logged(
    run: Run, cmd: list[str], cwd: str | Path, env: dict[str, str], log_path: Path, timeout: float
) -> int:
    """Run `cmd` in its own process group, its output into `log_path`, killed after `timeout`
    seconds; record the exit status (or the timeout), the time taken and the output in `run`.
    Return the process id (the reports it wrote are named after it)."""
    start = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        try:
            run.returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            run.timed_out = True
            _killpg(proc)
            proc.wait(timeout=60)
    run.seconds = time.monotonic() - start
    run.output = log_path.read_text(encoding="utf-8", errors="replace")
    return proc.pid


def run_tests(
    python: str,
    names: Sequence[str],
    instrumented: bool,
    timeout: float,
    extra_path: Sequence[str | os.PathLike[str]] = (),
) -> Run:
    """Run dotted test names (modules, classes or test ids) in a fresh `python` process."""
    run = Run(list(names), instrumented)
    with tempfile.TemporaryDirectory(prefix="adl-compat-") as tmp:
        work = Path(tmp)
        (work / "site").mkdir()
        (work / "reports").mkdir()
        (work / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
        driver = work / "driver.py"
        driver.write_text(DRIVER)
        results = work / "results.jsonl"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AIODEADLOCK"))}
        env["PYTHONPATH"] = os.pathsep.join(
            ([str(work / "site")] if instrumented else []) + [str(SRC), *map(str, extra_path)]
        )
        if instrumented:
            env["AIODEADLOCK_COMPAT_DIR"] = str(work / "reports")
            env["AIODEADLOCK_COMPAT_RUNNER"] = "1"
            env.update(BUILD_ENV)
        pid = run_logged(
            run, [python, str(driver), str(results), *names], tmp, env, work / "output.log", timeout
        )
        if results.exists():
            for line in results.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                test_id, outcome = item["id"], item["outcome"]
                if test_id in run.outcomes and run.outcomes[test_id] != outcome:
                    outcome = f"{run.outcomes[test_id]}+{outcome}"
                run.outcomes[test_id] = outcome
                if item.get("detail") and outcome not in ("skipped", "ok"):
                    run.details[test_id] = item["detail"]
        reports = work / "reports"
        run.installed = (reports / f"installed-{pid}.json").exists()
        for path in sorted(reports.glob("findings-*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                data = {"findings": [{"kind": "unreadable-report", "message": str(exc)}]}
            for finding in data.get("findings", []):
                finding["pid"] = path.stem.split("-", 1)[1]
                run.findings.append(finding)
    return run


def _category(outcome: str) -> str:
    return "skipped" if outcome.startswith("skipped") else outcome


_OWN_COMPLAINTS = ("aiodeadlock: internal error", "aiodeadlock: warning")


def diff_runs(plain: Run, inst: Run) -> list[Difference]:
    """Test ids whose outcome differs between the two runs (missing counts as 'not run')."""
    diffs = []
    if plain.timed_out != inst.timed_out:
        diffs.append(
            Difference(
                "<whole file>",
                "timed out" if plain.timed_out else f"exit {plain.returncode}",
                "timed out" if inst.timed_out else f"exit {inst.returncode}",
                inst.output[-4000:] if inst.timed_out else plain.output[-4000:],
            )
        )
    # The detector's own complaints (an internal error switches detection off for the rest
    # of the process) are a difference even when every test passes.
    for line in inst.output.splitlines():
        if line.startswith(_OWN_COMPLAINTS) and line not in plain.output:
            diffs.append(Difference("<detector>", "(nothing)", "internal error", line))
    for test_id in sorted(set(plain.outcomes) | set(inst.outcomes)):
        a = plain.outcomes.get(test_id, "not run")
        b = inst.outcomes.get(test_id, "not run")
        if _category(a) != _category(b):
            detail = inst.details.get(test_id) or plain.details.get(test_id, "")
            diffs.append(Difference(test_id, a, b, detail))
    return diffs


def _rerunnable(test_id: str) -> bool:
    return re.fullmatch(r"[\w.]+", test_id) is not None


def compare_file(python: str, name: str, timeout: float, recheck: bool = True) -> FileResult:
    """Run one test_asyncio file both ways; confirm each difference by rerunning it."""
    module = name if "." in name else f"test.test_asyncio.{name}"
    plain = run_tests(python, [module], instrumented=False, timeout=timeout)
    inst = run_tests(python, [module], instrumented=True, timeout=timeout)
    result = FileResult(name, plain, inst, diff_runs(plain, inst))
    if recheck and result.differences:
        ids = [d.test_id for d in result.differences]
        targets = ids if len(ids) <= RECHECK_LIMIT and all(map(_rerunnable, ids)) else [module]
        again = diff_runs(
            run_tests(python, targets, instrumented=False, timeout=timeout),
            run_tests(python, targets, instrumented=True, timeout=timeout),
        )
        still = {d.test_id for d in again}
        for d in result.differences:
            d.confirmed = d.test_id in still
    return result


def resolve_python(spec: str) -> str:
    """A path, a command, or a version like '3.12' (newest pyenv patch release of it)."""
    if re.fullmatch(r"3\.\d+", spec):
        root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
        found = sorted(
            (p for p in root.glob(f"{spec}.*") if re.fullmatch(rf"{re.escape(spec)}\.\d+", p.name)),
            key=lambda p: int(p.name.rsplit(".", 1)[1]),
        )
        if not found:
            raise SystemExit(f"no CPython {spec} under {root}")
        return str(found[-1] / "bin" / "python3")
    path = shutil.which(spec)
    if path is None:
        raise SystemExit(f"no such interpreter: {spec}")
    return path


def _fmt_counts(run: Run) -> str:
    """ok/bad/skipped: 'expected failure' counts as ok; any FAIL, ERROR or unexpected success
    (also in an outcome recorded twice, like 'ok+ERROR' from a failing cleanup) as bad."""
    ok = bad = skipped = 0
    for outcome in run.outcomes.values():
        if any(word in outcome for word in ("FAIL", "ERROR", "unexpected")):
            bad += 1
        elif outcome.startswith("skipped"):
            skipped += 1
        else:
            ok += 1
    return f"{ok}/{bad}/{skipped}" + (" TIMEOUT" if run.timed_out else "")


def _fmt_findings(run: Run) -> str:
    return f"{len(run.definite)}/{len(run.potential)}"


def print_report(
    python: str, version: str, results: Iterable[FileResult], verbose: bool = False
) -> None:
    """A per-file table (ok/failed/skipped plain and instrumented), then every difference."""
    results = list(results)
    print(f"\nCPython {version} ({python}): {len(results)} test files, plain vs installed")
    header = f"{'file':<34} {'tests':>6} {'plain ok/bad/skip':>18} {'installed':>14}"
    print(header + f" {'diffs':>6} {'definite/potential':>18} {'secs':>11}")
    totals = [0, 0, 0, 0]
    for r in results:
        n = len(set(r.plain.outcomes) | set(r.instrumented.outcomes))
        secs = f"{r.plain.seconds:.0f}/{r.instrumented.seconds:.0f}"
        flag = "" if r.checked else "  (detector NOT installed)"
        if not r.plain.outcomes and not r.plain.timed_out:
            last = (r.plain.output.strip().splitlines() or ["no output"])[-1]
            flag += f"  (no test ran, exit {r.plain.returncode}: {last[:60]})"
        print(
            f"{r.name:<34} {n:>6} {_fmt_counts(r.plain):>18} {_fmt_counts(r.instrumented):>14}"
            f" {len(r.confirmed):>6} {_fmt_findings(r.instrumented):>18} {secs:>11}{flag}"
        )
        totals[0] += n
        totals[1] += len(r.confirmed)
        totals[2] += len(r.instrumented.definite)
        totals[3] += len(r.instrumented.potential)
    found = f"{totals[2]}/{totals[3]}"
    print(f"{'total':<34} {totals[0]:>6} {'':>18} {'':>14} {totals[1]:>6} {found:>18}")
    for r in results:
        for d in r.differences:
            tag = "DIFFERENCE" if d.confirmed else "not reproduced on rerun (flaky)"
            print(f"\n--- {r.name}: {d.test_id}: plain {d.plain!r}, installed {d.instrumented!r}")
            print(f"    [{tag}]")
            if d.detail:
                print(textwrap.indent(d.detail.rstrip(), "    "))
        for f in r.instrumented.findings:
            what = "definite" if f.get("definite", True) is not False else "potential"
            code, kind, pid = f.get("code"), f.get("kind"), f.get("pid")
            print(f"\n--- {r.name}: {what} finding {code} {kind} (pid {pid})")
            print(f"    {f.get('message')}")
            if verbose:
                print(textwrap.indent(json.dumps(f, indent=2)[:4000], "    "))


#: Set for the installed runs: {"AIODEADLOCK_NO_EXTENSIONS": "1"} with --pure-python.
BUILD_ENV: dict[str, str] = {}


def build_in_use(python: str) -> str:
    """Which build of aiodeadlock the installed runs of `python` use (`aiodeadlock --version`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AIODEADLOCK"))}
    env.update(BUILD_ENV, PYTHONPATH=str(SRC))
    code = "from aiodeadlock.instrument.accel import describe; print(describe())"
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=60, check=True, env=env
    ).stdout.strip()


def interpreter_version(python: str) -> str:
    code = "import platform; print(platform.python_version())"
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--python",
        action="append",
        help="interpreter: path, command, or version like 3.12 (repeatable; default: this one)",
    )
    parser.add_argument(
        "--files", help="comma-separated test_asyncio modules (e.g. test_locks,test_tasks)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="files at once")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per run")
    parser.add_argument("--no-recheck", action="store_true", help="don't rerun differences")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--strict", action="store_true", help="fail on potential findings too, not only definite"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print findings in full")
    parser.add_argument(
        "--pure-python",
        action="store_true",
        help="installed runs use the pure-Python build (default: the C fast paths if built)",
    )
    args = parser.parse_args(argv)
    if args.pure_python:
        BUILD_ENV["AIODEADLOCK_NO_EXTENSIONS"] = "1"

    everything: dict[str, object] = {}
    failed = False
    for spec in args.python or [sys.executable]:
        python = resolve_python(spec)
        version = interpreter_version(python)
        if stdlib_test_dir(python) is None:
            print(f"CPython {version} ({python}): no test/test_asyncio in its stdlib; skipped")
            continue
        names = args.files.split(",") if args.files else asyncio_test_files(python)
        one = functools.partial(
            compare_file, python, timeout=args.timeout, recheck=not args.no_recheck
        )
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(one, [n.strip() for n in names]))
        build = build_in_use(python)
        print_report(python, version, results, args.verbose)
        print(f"aiodeadlock build in the installed runs: {build}")
        failed = failed or not all(r.ok(args.strict) for r in results)
        everything[version] = [
            {
                "build": build,
                "file": r.name,
                "plain": r.plain.counts(),
                "installed": r.instrumented.counts(),
                "detector_installed": r.instrumented.installed,
                "differences": [d.__dict__ for d in r.differences],
                "findings": r.instrumented.findings,
                "seconds": [round(r.plain.seconds, 1), round(r.instrumented.seconds, 1)],
            }
            for r in results
        ]
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
