"""Build hook: ship the production-mode startup hook, aiodeadlock-startup.pth, beside the
package (all other metadata is in pyproject.toml).

The hook is one line that Python's `site` runs at every interpreter start: it imports
`aiodeadlock.startup` only when AIODEADLOCK is set (see src/aiodeadlock/production.py).
An editable install (`pip install -e`) does not carry it.
"""

import os

from setuptools import setup
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


setup(cmdclass={"build_py": BuildPyWithStartupHook})
