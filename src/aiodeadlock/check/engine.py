"""Run a check: discover files, pass 1 (cached), pass 2, filter, and collect findings."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiodeadlock.check.batch import Job, analyse_all, paused_gc
from aiodeadlock.check.cache import Cache, content_hash, fingerprint
from aiodeadlock.check.config import Config
from aiodeadlock.check.discover import relpath
from aiodeadlock.check.findings import Finding
from aiodeadlock.check.kinds import matches, with_extra
from aiodeadlock.check.project import Project
from aiodeadlock.check.relevance import RelevanceFilter
from aiodeadlock.check.rules import Rule, all_rules
from aiodeadlock.check.sources import SourceFile, read_sources
from aiodeadlock.check.summary import Candidate, Loc, ModuleSummary, empty_module


@dataclass
class Result:
    """What a run found and how much work it did."""

    findings: list[Finding]
    files: int = 0
    analysed: int = 0
    cached: int = 0
    internal_errors: list[str] = field(default_factory=list)


def enabled_codes(
    rules: Sequence[Rule], select: Sequence[str] | None, ignore: Sequence[str]
) -> set[str]:
    """Codes to report: defaults (or `select` prefixes; opt-in rules only by exact code)."""
    chosen: set[str] = set()
    for r in rules:
        if select is None:
            ok = r.default
        else:
            ok = any(
                s == r.code or (r.default and (s == "ALL" or r.code.startswith(s))) for s in select
            )
        if ok and not any(r.code.startswith(i) or i == "ALL" for i in ignore):
            chosen.add(r.code)
    return chosen


def _suppressed(f: Finding, noqa: dict[str, dict[int, str]], pfi: dict[str, list[str]]) -> bool:
    codes = noqa.get(f.at.path, {}).get(f.at.line)
    if codes is not None and (codes == "" or any(f.code.startswith(c) for c in codes.split(","))):
        return True
    return any(f.code.startswith(c) for c in pfi.get(f.at.path, ()))


def _resolve_candidates(p: Project, modules: Sequence[ModuleSummary]) -> list[Finding]:
    out: list[Finding] = []
    for m in modules:
        if m.error is not None:
            out.append(Finding(m.error.code, m.error.at, m.error.message))
    for fn in p.iter_functions():
        for c in fn.candidates:
            finding = _resolve(p, fn, c)
            if finding is not None:
                out.append(finding)
    return out


def _resolve(p: Project, fn: object, c: Candidate) -> Finding | None:
    from aiodeadlock.check.summary import FuncSummary

    assert isinstance(fn, FuncSummary)
    if c.ref is None:
        return Finding(c.code, c.at, c.message, c.related)
    kind = matches(p.kinds_of(fn, c.ref), c.kinds)
    if kind is None:
        return None
    if "callers" in c.flags and any(call.held for _, call in p.callers.get(fn.qual, ())):
        return None
    return Finding(c.code, c.at, c.message.replace("{kind}", kind), c.related)


def run_check(paths: Sequence[Path], config: Config, use_cache: bool) -> Result:
    """Check `paths` with `config`; return the findings after selection and suppression."""
    fp = fingerprint(config.lock_types)
    cache = Cache(config.root, fp, use_cache)
    result = Result(findings=[])
    records = _read_files(paths, config, cache, result)
    pfi = _per_file_ignores(records, config)
    files = [[r.display, r.module, r.digest] for r in records]
    key = content_hash(json.dumps([fp, config.lock_order, files]).encode())
    hits = [cache.hit(r.display, r.digest, r.module) for r in records]
    previous = cache.load_results(key) if all(hits) else None
    if previous is not None:
        raw, noqa = previous
        result.cached = len(records)
    else:
        modules = _summaries(records, hits, cache, config, result)
        cache.save({r.display for r in records})
        with paused_gc():
            raw = _pass_two(modules, config, result)
        noqa = {m.path: dict(m.noqa) for m in modules if m.noqa}
        if not result.internal_errors:
            cache.save_results(key, raw, noqa)
    codes = enabled_codes(all_rules(), config.select, config.ignore)
    unique: dict[tuple[str, Loc], Finding] = {}
    for f in raw:
        if f.code in codes and not _suppressed(f, noqa, pfi):
            unique.setdefault((f.code, f.at), f)
    result.findings = sorted(unique.values(), key=Finding.sort_key)
    return result


def _pass_two(modules: list[ModuleSummary], config: Config, result: Result) -> list[Finding]:
    """Resolve the candidates of pass 1 and run the project-wide rules."""
    project = Project(modules, config.lock_order)
    raw = _resolve_candidates(project, modules)
    for rule in all_rules():
        if rule.check is not None:
            try:
                raw.extend(rule.check(project))
            except RecursionError:
                result.internal_errors.append(f"{rule.code}: analysis too deep, skipped")
    return raw


def _read_files(
    paths: Sequence[Path], config: Config, cache: Cache, result: Result
) -> list[SourceFile]:
    records = read_sources(
        paths, config.root, config.exclude, cache.known_digest, result.internal_errors
    )
    result.files = len(records)
    return records


def _per_file_ignores(records: list[SourceFile], config: Config) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if config.per_file_ignores:
        root = str(config.root)
        for r in records:
            rel = relpath(r.path, root)
            out[r.display] = [
                c
                for g, cs in config.per_file_ignores.items()
                if fnmatch.fnmatch(rel, g)
                for c in cs
            ]
    return out


def _summaries(
    records: list[SourceFile], hits: list[bool], cache: Cache, config: Config, result: Result
) -> list[ModuleSummary]:
    """Pass 1 for every file: from the cache, trivially (irrelevant file), or analysed."""
    constructors = with_extra(config.lock_types)
    relevant = RelevanceFilter(list(config.lock_types))
    modules: list[ModuleSummary] = []
    todo: list[tuple[Job, SourceFile]] = []
    for r, hit in zip(records, hits, strict=True):
        summary = cache.get(r.display, r.digest, r.module) if hit else None
        if summary is not None:
            result.cached += 1
            modules.append(summary)
            continue
        try:
            data = r.data()
        except OSError as exc:
            result.internal_errors.append(f"cannot read {r.display}: {exc.strerror}")
            continue
        full = relevant.search(data)
        if not (full or r.is_package):
            summary = empty_module(r.display, r.module)
            cache.put(r.display, r.digest, summary, r.stamp)
            modules.append(summary)
            continue
        result.analysed += 1
        todo.append((Job(data, r.display, r.module, r.is_package, full), r))
    jobs = [job for job, _ in todo]
    for (_, r), summary in zip(
        todo, analyse_all(jobs, constructors, result.internal_errors), strict=True
    ):
        if summary is not None:
            cache.put(r.display, r.digest, summary, r.stamp)
            modules.append(summary)
    return modules
