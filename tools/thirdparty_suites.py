#!/usr/bin/env python3
"""Run the test suites of asyncio libraries from PyPI with and without aiodeadlock and compare."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpython_asyncio_compare import (
    RECHECK_LIMIT,
    REPO,
    SITECUSTOMIZE,
    Difference,
    Run,
    _fmt_counts,
    _fmt_findings,
    diff_runs,
    interpreter_version,
    resolve_python,
    run_logged,
)

DEFAULT_TIMEOUT = 1800.0
#: Per-test limit (pytest-timeout) for suites that set none themselves: a test that hangs fails
#: alone instead of taking the rest of the run with it.
TEST_TIMEOUT = 120
PIP_TIMEOUT = 900.0
RECORDER_MODULE = "adl_thirdparty_record"
RESULTS_ENV = "ADL_THIRDPARTY_RESULTS"  # read by RECORDER below
MODES = ("plain", "installed", "plugin")
#: The pytest plugin's report header when it is on.
PLUGIN_HEADER = "aiodeadlock: on"


@dataclass(frozen=True)
class Suite:
    """A library from PyPI whose sdist ships its tests, pinned with its test requirements."""

    version: str
    requires: tuple[str, ...]
    pytest_args: tuple[str, ...] = ("tests",)
    #: Keep the suite's own `addopts` (otherwise dropped: mostly coverage options).
    keep_addopts: bool = False
    #: The suite sets its own pytest-timeout limit.
    own_timeout: bool = False
    note: str = ""


_PYTEST9 = ("pytest==9.0.2", "pytest-timeout==2.4.0")
_PYTEST8 = ("pytest==8.3.5", "pytest-timeout==2.4.0")

SUITES: dict[str, Suite] = {
    "janus": Suite(
        "2.0.0",
        (*_PYTEST9, "pytest-asyncio==1.3.0"),
        ("tests", "--ignore=tests/test_benchmarks.py"),
        note="sync/async queue on asyncio.Condition-like waiters and threading locks; "
        "the codspeed benchmarks are left out",
    ),
    "aiorwlock": Suite(
        "1.4.0",
        (*_PYTEST8, "pytest-asyncio==0.23.8"),
        note="readers-writer lock; 1.5's sdist has no tests, and its tests need the "
        "event_loop fixture of pytest-asyncio < 1",
    ),
    "aiolimiter": Suite(
        "1.3.0",
        (*_PYTEST9, "pytest-asyncio==1.3.0", "dunamai==1.26.5", "typing-extensions==4.15.0"),
        ("tests", "--deselect=tests/test_aiolimiter.py::test_version"),
        note="leaky-bucket rate limiter: futures woken in order; test_version needs a git checkout",
    ),
    "async-timeout": Suite(
        "5.0.1",
        (*_PYTEST8, "pytest-asyncio==0.24.0"),
        note="cancellation scopes",
    ),
    "async-lru": Suite(
        "2.4.0",
        (*_PYTEST9, "pytest-asyncio==1.3.0"),
        own_timeout=True,
        note="cache whose concurrent callers wait on one shared future",
    ),
    "asyncstdlib": Suite(
        "3.14.0",
        (*_PYTEST9, "typing-extensions==4.15.0"),
        ("unittests",),
        note="async itertools/functools; tee and lru_cache share locks",
    ),
    "anyio": Suite(
        "4.16.0",
        (
            *_PYTEST9,
            "pytest-mock==3.15.1",
            "hypothesis==6.168.5",
            "psutil==7.2.2",
            "trustme==1.2.1",
            "truststore==0.10.4",
            "blockbuster==1.5.29",
        ),
        (
            "tests",
            "--ignore=tests/test_sockets.py",
            "-k",
            "not trio",
            "-m",
            "not network",
        ),
        keep_addopts=True,
        own_timeout=True,
        note="asyncio backend only (trio and uvloop not installed), no network tests, and "
        "not test_sockets.py (its IPv6 and connection tests fail plainly in a sandbox)",
    ),
}

# A pytest plugin (loaded with -p) that appends each outcome as a JSON line as soon as it is
# known, with the outcome words of cpython_asyncio_compare, so a timeout keeps what ran before.
RECORDER = textwrap.dedent(
    """\
    import json
    import os

    _log = None


    def _put(node_id, outcome, detail=""):
        global _log
        if _log is None:
            _log = open(os.environ["ADL_THIRDPARTY_RESULTS"], "a", encoding="utf-8")
        _log.write(json.dumps({"id": node_id, "outcome": outcome, "detail": detail}) + "\\n")
        _log.flush()


    def pytest_runtest_logreport(report):
        xfail = hasattr(report, "wasxfail")
        if report.when == "call" and report.passed:
            outcome = "unexpected success" if xfail else "ok"
        elif report.skipped and report.when in ("setup", "call"):
            outcome = "expected failure" if xfail else "skipped"
        elif report.failed:
            outcome = "FAIL" if report.when == "call" else "ERROR"
        else:
            return
        _put(report.nodeid, outcome, report.longreprtext if report.failed else "")


    def pytest_collectreport(report):
        if report.failed:
            _put(report.nodeid or "<collection>", "ERROR", report.longreprtext)
    """
)


def _ran(run: Run) -> bool:
    """Some test ran (an outcome beyond collection)."""
    return any("::" in node_id for node_id in run.outcomes)


@dataclass
class SuiteResult:
    """The comparison of one library's suite on one interpreter."""

    name: str
    suite: Suite
    plain: Run
    instrumented: Run
    differences: list[Difference] = field(default_factory=list)
    setup_error: str = ""
    freeze: list[str] = field(default_factory=list)
    #: `pytest --aiodeadlock` (only with --plugin) and how it differs from the plain run.
    plugin: Run | None = None
    plugin_differences: list[Difference] = field(default_factory=list)

    @property
    def confirmed(self) -> list[Difference]:
        return [d for d in self.differences + self.plugin_differences if d.confirmed]

    @property
    def skipped(self) -> bool:
        """The suite did not start on this interpreter, plainly or installed alike (e.g. a
        pinned test dependency that does not support it): nothing to compare."""
        runs = [self.plain, self.instrumented] + ([self.plugin] if self.plugin else [])
        quiet = not self.instrumented.definite
        return not self.setup_error and quiet and not any(_ran(run) for run in runs)

    def ok(self, strict: bool = False) -> bool:
        """Set up, some test ran, detector installed, no confirmed difference, no finding
        (or skipped: no test ran in any mode)."""
        if self.skipped:
            return True
        inst = self.instrumented
        findings = inst.findings if strict else inst.definite
        plugin_on = self.plugin is None or self.plugin.installed
        return (
            not self.setup_error
            and _ran(self.plain)
            and inst.installed
            and plugin_on
            and not (self.confirmed or findings)
        )


def _check(cmd: Sequence[str], timeout: float, cwd: Path | None = None) -> str:
    """Run a setup command; its output, or RuntimeError with the tail of it."""
    try:
        proc = subprocess.run(
            list(cmd),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"timed out after {timeout:.0f}s: {' '.join(cmd)}") from exc
    if proc.returncode:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise RuntimeError(f"exit {proc.returncode}: {' '.join(cmd)}\n{tail}")
    return proc.stdout


def parse_packages(spec: str | None) -> list[str]:
    """Package names from a comma-separated list (default: every suite), checked."""
    if not spec:
        return list(SUITES)
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in SUITES]
    if unknown or not names:
        raise ValueError(
            f"unknown package(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(SUITES)}"
        )
    return list(dict.fromkeys(names))


def download_sdist(name: str, suite: Suite, dest: Path) -> Path:
    """The sdist of `name` at its pinned version, fetched once into `dest`."""
    stem = f"{name.replace('-', '_')}-{suite.version}"
    have = [*dest.glob(f"{stem}.tar.gz"), *dest.glob(f"{name}-{suite.version}.tar.gz")]
    if have:
        return have[0]
    _check(
        [
            *(sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"),
            *("--no-input", "-d", str(dest), f"{name}=={suite.version}"),
        ],
        PIP_TIMEOUT,
    )
    for candidate in sorted(dest.glob("*.tar.gz")):
        base = candidate.name.lower().replace("-", "_")
        if base == f"{stem.lower()}.tar.gz":
            return candidate
    raise RuntimeError(f"no sdist of {name}=={suite.version} in {dest}")


def unpack(sdist: Path, dest: Path) -> Path:
    """Unpack an sdist under `dest`; its top directory."""
    with tarfile.open(sdist) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - interpreters without the PEP 706 backport
            tar.extractall(dest)
    (top,) = [p for p in dest.iterdir() if p.is_dir()]
    return top


def build_wheel(python: str, dest: Path) -> tuple[Path, str]:
    """A wheel of aiodeadlock from this checkout, built in a venv of `python` (so its C fast
    paths are built for that interpreter, where they can be), and the build it gives."""
    vpython, _freeze = make_venv(python, dest / "venv", [])
    _check(
        [
            str(vpython),
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-input",
            "-w",
            str(dest),
            str(REPO),
        ],
        PIP_TIMEOUT,
    )
    (wheel,) = dest.glob("aiodeadlock-*.whl")
    _check([str(vpython), "-m", "pip", "install", "--no-input", "-q", str(wheel)], PIP_TIMEOUT)
    build = _check([str(vpython), "-m", "aiodeadlock", "--version"], 120).strip()
    return wheel, build


def make_venv(python: str, where: Path, installs: Sequence[str]) -> tuple[Path, list[str]]:
    """A fresh venv with `installs`; its python and its `pip freeze`."""
    _check([python, "-m", "venv", str(where)], 300)
    vpython = where / "bin" / "python"
    if installs:
        _check([str(vpython), "-m", "pip", "install", "--no-input", "-q", *installs], PIP_TIMEOUT)
    freeze = _check([str(vpython), "-m", "pip", "freeze", "--all"], 120).split()
    return vpython, freeze


def run_pytest(
    vpython: Path,
    tree: Path,
    suite: Suite,
    mode: str,
    timeout: float,
    work: Path,
    targets: Sequence[str] = (),
    extra_path: Sequence[Path] = (),
) -> Run:
    """One pytest run of the suite (or of `targets`, node ids) in a fresh process.

    `mode` is "plain", "installed" (detection on for the whole process, by sitecustomize) or
    "plugin" (`pytest --aiodeadlock`).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    instrumented = mode == "installed"
    args = list(targets) or list(suite.pytest_args)
    run = Run(args, mode != "plain")
    with tempfile.TemporaryDirectory(prefix="run-", dir=work) as tmp:
        scratch = Path(tmp)
        for sub in ("site", "plugin", "reports"):
            (scratch / sub).mkdir()
        (scratch / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
        (scratch / "plugin" / f"{RECORDER_MODULE}.py").write_text(RECORDER)
        results = scratch / "results.jsonl"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "AIODEADLOCK", "PYTEST", "VIRTUAL_ENV"))
        }
        paths = [scratch / "site"] if instrumented else []
        env["PYTHONPATH"] = os.pathsep.join(map(str, [*paths, scratch / "plugin", *extra_path]))
        env[RESULTS_ENV] = str(results)
        if instrumented:
            env["AIODEADLOCK_COMPAT_DIR"] = str(scratch / "reports")
        cmd = [str(vpython), "-m", "pytest", "-p", RECORDER_MODULE]
        cmd += ["--aiodeadlock"] if mode == "plugin" else ["-p", "no:aiodeadlock"]
        cmd += ["-p", "no:cacheprovider", "-rfE", "--color=no"]
        # aiodeadlock is a pytest11 plugin of the venv, imported by sitecustomize before pytest
        # can mark it for assertion rewriting: a warning that filterwarnings=error makes fatal
        # (pytests that these suites start themselves still see it; PYTEST_DONT_REWRITE in
        # aiodeadlock's docstring would silence it everywhere).
        cmd += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
        if not suite.keep_addopts:
            cmd += ["-o", "addopts="]
        if not suite.own_timeout:
            cmd += [f"--timeout={TEST_TIMEOUT}"]
        if targets:  # node ids: keep the suite's options (-k, -m, --ignore), not its paths
            cmd += [a for i, a in enumerate(suite.pytest_args) if _is_option(suite.pytest_args, i)]
        cmd += args
        pid = run_logged(run, cmd, tree, env, scratch / "output.log", timeout)
        _read_results(run, results)
        _read_reports(run, scratch / "reports", pid)
        if mode == "plugin":
            run.installed = PLUGIN_HEADER in run.output
    return run


def _is_option(args: Sequence[str], i: int) -> bool:
    """Whether args[i] is an option or an option's value (not a path to collect)."""
    if args[i].startswith("-"):
        return True
    return i > 0 and args[i - 1] in ("-k", "-m")


def _read_results(run: Run, path: Path) -> None:
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        node_id, outcome = item["id"], item["outcome"]
        if node_id in run.outcomes:  # a test whose teardown failed too: "ok+ERROR"
            outcome = f"{run.outcomes[node_id]}+{outcome}"
        run.outcomes[node_id] = outcome
        if item.get("detail"):
            run.details[node_id] = item["detail"]


def _read_reports(run: Run, reports: Path, pid: int) -> None:
    run.installed = (reports / f"installed-{pid}.json").exists()
    for path in sorted(reports.glob("findings-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            data = {"findings": [{"kind": "unreadable-report", "message": str(exc)}]}
        for finding in data.get("findings", []):
            finding["pid"] = path.stem.split("-", 1)[1]
            run.findings.append(finding)


def _confirm(
    differences: list[Difference], rerun: Callable[[Sequence[str]], list[Difference]]
) -> None:
    """Rerun the differing tests (the whole suite if there are many); unconfirmed = flaky."""
    if not differences:
        return
    ids = [d.test_id for d in differences]
    whole = len(ids) > RECHECK_LIMIT or any(i.startswith("<") for i in ids)
    still = {d.test_id for d in rerun(() if whole else ids)}
    for d in differences:
        d.confirmed = d.test_id in still


def compare_suite(
    python: str,
    name: str,
    sdists: Path,
    wheel: Path,
    work: Path,
    timeout: float,
    recheck: bool = True,
    plugin: bool = False,
) -> SuiteResult:
    """Set up a venv for one library and run its suite plainly and installed (and plugin)."""
    suite = SUITES[name]
    here = work / name
    shutil.rmtree(here, ignore_errors=True)  # a fresh venv and tree, also under --keep-work
    here.mkdir(parents=True)
    try:
        sdist = download_sdist(name, suite, sdists)
        tree = unpack(sdist, here / "src")
        vpython, freeze = make_venv(
            python, here / "venv", [str(wheel), str(sdist), *suite.requires]
        )
    except (RuntimeError, ValueError, OSError) as exc:
        return SuiteResult(name, suite, Run([], False), Run([], True), setup_error=str(exc))

    def run(mode: str, targets: Sequence[str] = ()) -> Run:
        return run_pytest(vpython, tree, suite, mode, timeout, here, targets)

    plain = run("plain")
    inst = run("installed")
    result = SuiteResult(name, suite, plain, inst, diff_runs(plain, inst), freeze=freeze)
    if plugin:
        result.plugin = run("plugin")
        result.plugin_differences = diff_runs(plain, result.plugin)
    if recheck:
        _confirm(
            result.differences, lambda ids: diff_runs(run("plain", ids), run("installed", ids))
        )
        _confirm(
            result.plugin_differences, lambda ids: diff_runs(run("plain", ids), run("plugin", ids))
        )
    return result


def print_report(python: str, version: str, results: Sequence[SuiteResult], verbose: bool) -> None:
    """A table per interpreter (ok/failed/skipped plain and installed), then the details."""
    plugin = any(r.plugin is not None for r in results)
    modes = "plain vs installed" + (" and vs pytest --aiodeadlock" if plugin else "")
    print(f"\nCPython {version} ({python}): {len(results)} suites, {modes}")
    print(
        f"{'package':<24} {'tests':>6} {'plain ok/bad/skip':>18} {'installed':>14}"
        + (f" {'plugin':>14}" if plugin else "")
        + f" {'diffs':>6} {'definite/potential':>18} {'secs':>11}"
    )
    totals = [0, 0, 0, 0]
    for r in results:
        label = f"{r.name} {r.suite.version}"
        if r.setup_error:
            print(f"{label:<24} SETUP FAILED: {r.setup_error.splitlines()[0][:100]}")
            continue
        runs = [r.plain, r.instrumented] + ([r.plugin] if r.plugin else [])
        n = len(set().union(*(run.outcomes for run in runs)))
        secs = "/".join(f"{run.seconds:.0f}" for run in runs)
        flag = "" if r.instrumented.installed else "  (detector NOT installed)"
        if r.plugin and not r.plugin.installed:
            flag += "  (pytest plugin NOT on)"
        if r.skipped:
            flag += f"  (SKIPPED: no test ran, plainly or installed; exit {r.plain.returncode})"
        elif not _ran(r.plain):
            flag += f"  (no test ran, exit {r.plain.returncode})"
        print(
            f"{label:<24} {n:>6} {_fmt_counts(r.plain):>18} {_fmt_counts(r.instrumented):>14}"
            + (f" {_fmt_counts(r.plugin):>14}" if r.plugin else " " * 15 if plugin else "")
            + f" {len(r.confirmed):>6} {_fmt_findings(r.instrumented):>18} {secs:>11}{flag}"
        )
        totals[0] += n
        totals[1] += len(r.confirmed)
        totals[2] += len(r.instrumented.definite)
        totals[3] += len(r.instrumented.potential)
    found = f"{totals[2]}/{totals[3]}"
    pad = " " * 15 if plugin else ""
    print(f"{'total':<24} {totals[0]:>6} {'':>18} {'':>14}{pad} {totals[1]:>6} {found:>18}")
    for r in results:
        if r.setup_error:
            print(f"\n--- {r.name}: setup failed\n{textwrap.indent(r.setup_error, '    ')}")
        for mode, diffs in (("installed", r.differences), ("plugin", r.plugin_differences)):
            for d in diffs:
                tag = "DIFFERENCE" if d.confirmed else "not reproduced on rerun (flaky)"
                print(f"\n--- {r.name}: {d.test_id}: plain {d.plain!r}, {mode} {d.instrumented!r}")
                print(f"    [{tag}]")
                if d.detail:
                    print(textwrap.indent(d.detail.rstrip()[-6000:], "    "))
        for f in r.instrumented.findings:
            what = "definite" if f.get("definite", True) is not False else "potential"
            code, kind, pid = f.get("code"), f.get("kind"), f.get("pid")
            print(f"\n--- {r.name}: {what} finding {code} {kind} (pid {pid})")
            print(f"    {f.get('message')}")
            if verbose:
                print(textwrap.indent(json.dumps(f, indent=2)[:4000], "    "))
        if verbose and not r.plain.outcomes and not r.setup_error:
            print(f"\n--- {r.name}: output of the plain run\n{r.plain.output[-4000:]}")


def as_json(r: SuiteResult) -> dict[str, object]:
    out: dict[str, object] = {
        "package": r.name,
        "version": r.suite.version,
        "setup_error": r.setup_error,
        "skipped": r.skipped,
        "pytest_args": list(r.suite.pytest_args),
        "plain": r.plain.counts(),
        "installed": r.instrumented.counts(),
        "detector_installed": r.instrumented.installed,
        "differences": [d.__dict__ for d in r.differences],
        "findings": r.instrumented.findings,
        "seconds": [round(r.plain.seconds, 1), round(r.instrumented.seconds, 1)],
        "pip_freeze": r.freeze,
    }
    if r.plugin is not None:
        out["plugin"] = r.plugin.counts()
        out["plugin_on"] = r.plugin.installed
        out["plugin_differences"] = [d.__dict__ for d in r.plugin_differences]
        out["plugin_seconds"] = round(r.plugin.seconds, 1)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--python",
        action="append",
        help="interpreter: path, command, or version like 3.12 (repeatable; default: this one)",
    )
    parser.add_argument(
        "--packages", help=f"comma-separated, from: {', '.join(SUITES)} (default: all)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="suites at once (default 1)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per run")
    parser.add_argument("--no-recheck", action="store_true", help="don't rerun differences")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--keep-work", metavar="DIR", help="build venvs here and keep them")
    parser.add_argument(
        "--strict", action="store_true", help="fail on potential findings too, not only definite"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print findings in full")
    parser.add_argument(
        "--plugin",
        action="store_true",
        help="also run each suite under `pytest --aiodeadlock` and compare it with the plain run",
    )
    parser.add_argument("--list", action="store_true", help="print the pinned suites and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        names = parse_packages(args.packages)
    except ValueError as exc:
        parser.error(str(exc))
    if args.jobs < 1 or args.timeout <= 0:
        parser.error("--jobs and --timeout must be positive")
    if args.list:
        for name in names:
            s = SUITES[name]
            print(f"{name}=={s.version}: {', '.join(s.requires)}\n    {s.note}")
        return 0
    pythons = [resolve_python(spec) for spec in args.python or [sys.executable]]

    with tempfile.TemporaryDirectory(prefix="adl-thirdparty-") as tmp:
        root = Path(args.keep_work).resolve() if args.keep_work else Path(tmp)
        (root / "sdists").mkdir(parents=True, exist_ok=True)
        everything: dict[str, object] = {}
        failed = False
        for python in pythons:
            version = interpreter_version(python)
            work = root / f"py{version}"
            wheel, build = build_wheel(python, root / f"wheel-{version}")
            print(f"CPython {version}: {build}", flush=True)

            def one(
                name: str, python: str = python, work: Path = work, wheel: Path = wheel
            ) -> SuiteResult:
                return compare_suite(
                    python,
                    name,
                    root / "sdists",
                    wheel,
                    work,
                    args.timeout,
                    recheck=not args.no_recheck,
                    plugin=args.plugin,
                )

            for name in names:  # fetch every sdist first, so parallel suites don't race on it
                try:
                    download_sdist(name, SUITES[name], root / "sdists")
                except RuntimeError:
                    pass  # reported by compare_suite
            with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                results = list(pool.map(one, names))
            print_report(python, version, results, args.verbose)
            failed = failed or not all(r.ok(args.strict) for r in results)
            everything[version] = [as_json(r) for r in results]
        if args.json:
            Path(args.json).write_text(json.dumps(everything, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
