"""Per-file cache of pass-1 summaries keyed by content hash, in `.aiodeadlock-cache/`."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from aiodeadlock.check.summary import ModuleSummary, decode_module

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


class Cache:
    """Load, query, update and save the cache of one project root."""

    def __init__(self, root: Path, fp: str, enabled: bool) -> None:
        self.path = root / CACHE_DIR / "summaries.json"
        self.fp = fp
        self.enabled = enabled
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if enabled:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if data.get("fingerprint") == fp:
                    self.entries = data["files"]
            except (OSError, ValueError, KeyError, TypeError):
                self.entries = {}

    def get(self, key: str, digest: str, module: str) -> ModuleSummary | None:
        """Return the cached summary for `key` if its content hash and module match."""
        entry = self.entries.get(key)
        if not entry or entry[0] != digest or entry[1] != module:
            return None
        try:
            return decode_module(entry[2])
        except (IndexError, TypeError, ValueError):
            return None

    def put(self, key: str, digest: str, summary: ModuleSummary) -> None:
        """Remember a fresh summary."""
        if self.enabled:
            self.entries[key] = [digest, summary.module, summary]
            self.dirty = True

    def save(self, keep: set[str]) -> None:
        """Write the cache atomically, dropping files not seen in this run only if absent."""
        if not self.enabled:
            return
        stale = [k for k in self.entries if k not in keep and not os.path.exists(k)]
        for k in stale:
            del self.entries[k]
        if not (self.dirty or stale):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(
                    {"fingerprint": self.fp, "files": self.entries}, out, separators=(",", ":")
                )
            os.replace(tmp, self.path)
        except OSError:
            pass
