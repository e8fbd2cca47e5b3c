"""Per-file cache of pass-1 summaries keyed by content hash, in `.aiodeadlock-cache/`."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from aiodeadlock.check.findings import Finding
from aiodeadlock.check.summary import Loc, ModuleSummary, Related, decode_module

CACHE_DIR = ".aiodeadlock-cache"


def fingerprint(extra: dict[str, str]) -> str:
    """Hash of everything besides file content that pass 1 depends on."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{sys.version_info[:2]}".encode())
    h.update(json.dumps(sorted(extra.items())).encode())
    package = Path(__file__).parent
    for src in sorted(package.rglob("*.py")):
        h.update(src.read_bytes())
    return h.hexdigest()


def content_hash(data: bytes) -> str:
    """Hash of one file's bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write(path: Path, doc: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        gitignore = path.parent / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(doc, separators=(",", ":")))  # C encoder: much faster
        os.replace(tmp, path)
    except OSError:
        pass


class Cache:
    """The cache of one project root: a small index, the summaries, and the last results."""

    def __init__(self, root: Path, fp: str, enabled: bool) -> None:
        self.dir = root / CACHE_DIR
        self.fp = fp
        self.enabled = enabled
        self.index: dict[str, list[Any]] = {}  # key -> [digest, module, size, mtime_ns]
        self._entries: dict[str, Any] | None = None
        self.dirty = False
        if enabled:
            doc = _read(self.dir / "index.json")
            if isinstance(doc, dict) and doc.get("fingerprint") == fp:
                files = doc.get("files")
                self.index = files if isinstance(files, dict) else {}

    def hit(self, key: str, digest: str, module: str) -> bool:
        """True if the cached summary of `key` is for this content and module name."""
        entry = self.index.get(key)
        return entry is not None and entry[:2] == [digest, module]

    def known_digest(self, key: str, stamp: tuple[int, int]) -> str | None:
        """The recorded content hash of `key`, if its size and mtime are the recorded ones."""
        entry = self.index.get(key)
        if entry is None or len(entry) != 4 or tuple(entry[2:]) != stamp:
            return None
        digest = entry[0]
        return digest if isinstance(digest, str) else None

    def _load_entries(self) -> dict[str, Any]:
        if self._entries is None:
            doc = _read(self.dir / "summaries.json") if self.index else None
            files = doc.get("files") if isinstance(doc, dict) else None
            ok = isinstance(doc, dict) and doc.get("fingerprint") == self.fp
            self._entries = files if ok and isinstance(files, dict) else {}
        return self._entries

    def get(self, key: str, digest: str, module: str) -> ModuleSummary | None:
        """Return the cached summary for `key` if its content hash and module match."""
        if not self.hit(key, digest, module):
            return None
        entry = self._load_entries().get(key)
        try:
            return decode_module(entry) if entry is not None else None
        except (IndexError, TypeError, ValueError):
            return None

    def put(self, key: str, digest: str, summary: ModuleSummary, stamp: tuple[int, int]) -> None:
        """Remember a fresh summary, and the size and mtime of the file it came from."""
        if self.enabled:
            self._load_entries()[key] = summary
            self.index[key] = [digest, summary.module, *stamp]
            self.dirty = True

    def save(self, keep: set[str]) -> None:
        """Write index and summaries, dropping entries of files that no longer exist."""
        if not self.enabled:
            return
        stale = [k for k in self.index if k not in keep and not os.path.exists(k)]
        if not (self.dirty or stale):
            return
        entries = self._load_entries()
        for k in stale:
            self.index.pop(k, None)
            entries.pop(k, None)
        _write(self.dir / "summaries.json", {"fingerprint": self.fp, "files": entries})
        _write(self.dir / "index.json", {"fingerprint": self.fp, "files": self.index})

    # -- whole-run results -----------------------------------------------------------------
    def load_results(self, key: str) -> tuple[list[Finding], dict[str, dict[int, str]]] | None:
        """Return (raw findings, noqa map) of a previous run over exactly the same inputs."""
        if not self.enabled:
            return None
        doc = _read(self.dir / "results.json")
        if not isinstance(doc, dict) or doc.get("key") != key:
            return None
        try:
            raw = [
                Finding(
                    f[0],
                    Loc(*f[1]),
                    f[2],
                    tuple(Related(Loc(*r[0]), r[1]) for r in f[3]),
                )
                for f in doc["findings"]
            ]
            noqa = {p: {int(k): v for k, v in m.items()} for p, m in doc["noqa"].items()}
        except (KeyError, TypeError, ValueError):
            return None
        return raw, noqa

    def save_results(self, key: str, raw: list[Finding], noqa: dict[str, dict[int, str]]) -> None:
        """Remember the raw findings of this run."""
        if self.enabled:
            _write(self.dir / "results.json", {"key": key, "findings": raw, "noqa": noqa})
