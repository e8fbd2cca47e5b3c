"""The package's shape: the public names, and which layer may import which.

instrument/ records, detectors/ decides, model/ is data, report/ renders: read from the
source (every import statement, also those inside functions), so a new import that
crosses a boundary fails here before it is noticed anywhere else.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import aiodeadlock

PACKAGE = Path(aiodeadlock.__file__).resolve().parent

#: The public names of `aiodeadlock`: adding or removing one is an API change.
PUBLIC = [
    "AiodeadlockError",
    "ConfigError",
    "DeadlockError",
    "Detector",
    "Report",
    "__version__",
    "detect",
    "install",
    "ordered",
    "run",
    "snapshot",
    "uninstall",
]

#: layer -> modules (prefixes) it must never import.
FORBIDDEN = {
    "model": ["asyncio", "aiodeadlock.instrument", "aiodeadlock.detectors", "aiodeadlock.report"],
    "detectors": ["asyncio", "aiodeadlock.instrument", "aiodeadlock.report", "aiodeadlock.cli"],
    "report": ["asyncio", "aiodeadlock.instrument", "aiodeadlock.detectors"],
    "instrument": ["aiodeadlock.detectors", "aiodeadlock.report", "aiodeadlock.cli"],
    "check": [
        "asyncio",
        "aiodeadlock.instrument",
        "aiodeadlock.detectors",
        "aiodeadlock.detector",
        "aiodeadlock.api",
    ],
}


def imports_of(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """Every module `path` (a file under the package directory `root`) imports, as
    absolute names, with the line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _crossings(layer: str, root: Path = PACKAGE) -> list[str]:
    bad = []
    for path in sorted((root / layer).rglob("*.py")):
        for line, name in imports_of(path, root):
            for banned in FORBIDDEN[layer]:
                if name == banned or name.startswith(banned + "."):
                    bad.append(f"{path.relative_to(root)}:{line} imports {name}")
    return bad


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_what_they_may(layer: str) -> None:
    assert _crossings(layer) == []


def test_the_layer_check_sees_a_crossing(tmp_path: Path) -> None:
    """imports_of reads relative and nested imports (else the test above proves nothing)."""
    probe = tmp_path / "aiodeadlock" / "detectors" / "x.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("def f():\n    import asyncio\n    from ..instrument import probe\n")
    assert _crossings("detectors", tmp_path / "aiodeadlock") == [
        "detectors/x.py:2 imports asyncio",
        "detectors/x.py:3 imports aiodeadlock.instrument",
        "detectors/x.py:3 imports aiodeadlock.instrument.probe",
    ]


def test_public_names_are_pinned_and_all_load() -> None:
    assert sorted(aiodeadlock.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(aiodeadlock, name) is not None, name
    with pytest.raises(AttributeError):
        _ = aiodeadlock.no_such_name  # type: ignore[attr-defined]


def test_importing_the_package_is_cheap() -> None:
    code = (
        "import sys, aiodeadlock; "
        "print(sorted(m for m in sys.modules if m.startswith(('asyncio', 'aiodeadlock'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out == "['aiodeadlock', 'aiodeadlock._version']\n"


def test_every_module_says_what_it_is_in_one_line() -> None:
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        if not doc or not doc.splitlines()[0].strip():
            missing.append(str(path.relative_to(PACKAGE)))
    assert missing == []
