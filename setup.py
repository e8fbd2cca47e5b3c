"""Build hooks (all other metadata is in pyproject.toml): ship the production-mode startup
hook, aiodeadlock-startup.pth, beside the package, and build the optional C fast paths.

The hook is one line that Python's `site` runs at every interpreter start: it imports
`aiodeadlock.startup` only when AIODEADLOCK is set (see src/aiodeadlock/production.py).
An editable install (`pip install -e`) does not carry it.

The C fast paths (src/aiodeadlock/instrument/_fastpaths.c) are built when a C compiler and
CPython's headers are present. They are skipped, leaving the pure-Python build that does
the same, when they cannot be built (a warning, not an error), on other implementations,
on free-threaded CPython, or when AIODEADLOCK_NO_EXTENSIONS is set.
"""

import os
import platform
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

PTH_NAME = "aiodeadlock-startup.pth"
PTH_LINE = (
    "import os; os.environ.get('AIODEADLOCK', '').strip() and __import__('aiodeadlock.startup')\n"
)


class BuildPyWithStartupHook(build_py):  # type: ignore[misc]
    """build_py that also writes the startup hook at the top of the built tree."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            with open(os.path.join(self.build_lib, PTH_NAME), "w", encoding="ascii") as fh:
                fh.write(PTH_LINE)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs: list[str] = super().get_outputs(include_bytecode)
        if not self.editable_mode:
            outputs.append(os.path.join(self.build_lib, PTH_NAME))
        return outputs


def _fast_paths_wanted() -> bool:
    if os.environ.get("AIODEADLOCK_NO_EXTENSIONS", "") not in ("", "0"):
        return False
    if platform.python_implementation() != "CPython":
        return False
    return not sysconfig.get_config_var("Py_GIL_DISABLED")


FAST_PATHS = Extension(
    "aiodeadlock.instrument._fastpaths",
    sources=["src/aiodeadlock/instrument/_fastpaths.c"],
    optional=True,  # a failed build (no compiler, no headers) leaves the pure-Python build
)

setup(
    cmdclass={"build_py": BuildPyWithStartupHook},
    ext_modules=[FAST_PATHS] if _fast_paths_wanted() else [],
)
