"""The pytest plugin, run with pytester in subprocesses (each with a timeout)."""

from __future__ import annotations

import importlib.metadata
import re
import sys
import textwrap
import time

import pytest

pytest_plugins = ["pytester"]

TIMEOUT = 60

#: The issue's "Done when" file: three deadlocked tests, one passing test of each style.
DONE_WHEN = """
import asyncio
import unittest

import pytest


def test_sync_retakes_held_lock():
    async def main():
        lock = asyncio.Lock()
        async with lock:
            async with lock:  # deadlock: sync
                pass

    asyncio.run(main())


@pytest.mark.asyncio
async def test_two_tasks_opposite_order():
    a, b = asyncio.Lock(), asyncio.Lock()

    async def take(first, second):
        async with first:
            await asyncio.sleep(0.01)
            async with second:  # deadlock: order
                pass

    await asyncio.gather(take(a, b), take(b, a))


class TestAwaitCycle(unittest.IsolatedAsyncioTestCase):
    async def test_task_awaited_by_the_task_it_awaits(self):
        me = asyncio.current_task()

        async def child():
            await me  # deadlock: child

        await asyncio.create_task(child())  # deadlock: parent

    async def test_passes(self):
        await asyncio.sleep(0)


def test_sync_passes():
    async def main():
        async with asyncio.Lock():
            await asyncio.sleep(0)

    asyncio.run(main())


@pytest.mark.asyncio
async def test_async_passes():
    async with asyncio.Lock():
        await asyncio.sleep(0)
"""

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
{extra}
"""

SELF_DEADLOCK = """
import asyncio


def test_retake():
    async def main():
        lock = asyncio.Lock()
        async with lock:
            async with lock:  # deadlock
                pass

    asyncio.run(main())
"""

#: Takes two locks in both orders, one after the other: no hang, a potential deadlock.
LOCK_ORDER = """
import asyncio


def test_inverted_order():
    async def main():
        a, b = asyncio.Lock(), asyncio.Lock()
        async with a:
            async with b:  # order: a then b
                pass
        async with b:
            async with a:  # order: b then a
                pass

    asyncio.run(main())
"""


def lines_of(source: str, tag: str) -> list[int]:
    """1-based numbers of the lines of `source` (as written by makepyfile) carrying `tag`."""
    text = textwrap.dedent(source).strip()
    return [i for i, line in enumerate(text.splitlines(), 1) if tag in line]


def failure(result: pytest.RunResult, name: str) -> str:
    """The failure section of test `name` in the output."""
    out = result.stdout.str()
    match = re.search(rf"^_+ \S*{re.escape(name)}\S* _+$(.*?)(?=^_{{3,}} |^=+ )", out, re.M | re.S)
    assert match, f"no failure section for {name}:\n{out}"
    return match.group(1)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=TIMEOUT)


@pytest.fixture
def ini(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI.format(extra=""))
    return pytester


def test_the_entry_point_is_registered() -> None:
    points = importlib.metadata.entry_points(group="pytest11")
    assert [p.value for p in points if p.name == "aiodeadlock"] == ["aiodeadlock.pytest_plugin"]


def test_done_when(ini: pytest.Pytester) -> None:
    ini.makepyfile(test_done=DONE_WHEN)
    started = time.monotonic()
    result = run(ini, "--aiodeadlock", "-rA")
    took = time.monotonic() - started
    result.assert_outcomes(failed=3, passed=3)
    # The issue asks for < 10 s (about 2 s here on a quiet machine, pytest start-up
    # included); CI runs four interpreters at once on two cores, so the guard against
    # "waited out several grace periods" is looser than that figure.
    assert took < 30, f"took {took:.1f}s"
    deadlock = lines_of(DONE_WHEN, "# deadlock")
    sync, order, child, parent = deadlock
    expect = {
        "test_sync_retakes_held_lock": ["self-deadlock (DL101)", f"test_done.py:{sync}"],
        "test_two_tasks_opposite_order": ["wait-cycle (DL102)", f"test_done.py:{order}"],
        "test_task_awaited_by_the_task_it_awaits": [
            "wait-cycle (DL102)",
            f"test_done.py:{child}",
            f"test_done.py:{parent}",
        ],
    }
    for name, needles in expect.items():
        text = failure(result, name)
        for needle in needles:
            assert needle in text, f"{needle!r} not in the failure of {name}:\n{text}"
        assert "aiodeadlock/instrument" not in text  # the detector's own frames are hidden
    for name in ("test_passes", "test_sync_passes", "test_async_passes"):
        result.stdout.fnmatch_lines([f"PASSED *{name}*"])
    assert "Task exception was never retrieved" not in result.stdout.str()


def test_installed_alone_changes_nothing(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        from aiodeadlock import api

        def test_off():
            assert not api.installed()
        """
    )
    result = run(ini)
    result.assert_outcomes(passed=1)
    assert "aiodeadlock: on" not in result.stdout.str()


def test_switched_on_by_the_option_for_each_test(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        from aiodeadlock import api

        def test_one():
            assert api.installed()

        def test_two():
            assert api.installed()
        """
    )
    result = run(ini, "--aiodeadlock")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["aiodeadlock: on (stall grace 1s)"])


@pytest.mark.parametrize("style", ["ini", "pyproject"])
def test_switched_on_by_configuration(pytester: pytest.Pytester, style: str) -> None:
    if style == "ini":
        pytester.makeini(INI.format(extra="aiodeadlock = true"))
    else:
        pytester.makepyprojecttoml(
            """
            [tool.pytest.ini_options]
            aiodeadlock = true
            asyncio_default_fixture_loop_scope = "function"
            """
        )
    pytester.makepyfile(SELF_DEADLOCK)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    assert "self-deadlock (DL101)" in failure(result, "test_retake")


def test_disabled_with_p_no(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra="aiodeadlock = true"))
    pytester.makepyfile(
        """
        from aiodeadlock import api

        def test_off():
            assert not api.installed()
        """
    )
    result = run(pytester, "-p", "no:aiodeadlock")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("option", [[], ["--aiodeadlock"]])
def test_marker_disables_or_enables_one_test(ini: pytest.Pytester, option: list[str]) -> None:
    ini.makepyfile(
        """
        import pytest
        from aiodeadlock import api

        @pytest.mark.aiodeadlock(enabled=False)
        def test_disabled():
            assert not api.installed()

        @pytest.mark.aiodeadlock
        def test_enabled():
            assert api.installed()

        def test_default(request):
            assert api.installed() == request.config.getoption("aiodeadlock")
        """
    )
    run(ini, *option).assert_outcomes(passed=3)


def test_marker_with_bad_arguments_errors_that_test_only(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        import pytest

        @pytest.mark.aiodeadlock(colour="red")
        def test_bad():
            pass

        def test_good():
            pass
        """
    )
    result = run(ini, "--aiodeadlock")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*unknown argument(s) colour*"])


def test_potential_findings_go_to_the_summary(ini: pytest.Pytester) -> None:
    ini.makepyfile(LOCK_ORDER)
    result = run(ini, "--aiodeadlock")
    result.assert_outcomes(passed=1)
    a_b, b_a = lines_of(LOCK_ORDER, "# order")
    result.stdout.fnmatch_lines(
        [
            "*= aiodeadlock: potential deadlocks =*",
            "aiodeadlock: potential deadlock: lock-order (DL104)",
            f"*test_potential_findings_go_to_the_summary.py:{a_b}*",
            "  seen in test_potential_findings_go_to_the_summary.py::test_inverted_order",
        ]
    )
    assert f"test_potential_findings_go_to_the_summary.py:{b_a}" in result.stdout.str()


@pytest.mark.parametrize(
    "how", ["--aiodeadlock-strict", "aiodeadlock_strict = true", "marker strict=True"]
)
def test_strict_makes_potential_findings_failures(pytester: pytest.Pytester, how: str) -> None:
    args = ["--aiodeadlock"]
    source = LOCK_ORDER
    if how.startswith("--"):
        args.append(how)
    if "=" in how and not how.startswith("marker"):
        pytester.makeini(INI.format(extra=how))
    else:
        pytester.makeini(INI.format(extra=""))
    if how.startswith("marker"):
        source = "import pytest\n" + source.replace(
            "def test_inverted_order",
            "@pytest.mark.aiodeadlock(strict=True)\ndef test_inverted_order",
        )
    pytester.makepyfile(source)
    result = run(pytester, *args)
    result.assert_outcomes(failed=1)
    text = failure(result, "test_inverted_order")
    assert "aiodeadlock (strict): potential deadlock(s)" in text
    assert "lock-order (DL104)" in text


def test_strict_marker_false_overrides_the_option(ini: pytest.Pytester) -> None:
    source = "import pytest\n" + LOCK_ORDER.replace(
        "def test_inverted_order", "@pytest.mark.aiodeadlock(strict=False)\ndef test_inverted_order"
    )
    ini.makepyfile(source)
    run(ini, "--aiodeadlock", "--aiodeadlock-strict").assert_outcomes(passed=1)


def test_stall_fails_after_the_grace_period(ini: pytest.Pytester) -> None:
    source = """
        import asyncio
        import pytest

        def test_never_set():
            async def main():
                await asyncio.Event().wait()  # stall

            asyncio.run(main())

        @pytest.mark.aiodeadlock(grace=0.1)
        def test_never_set_short_grace():
            async def main():
                await asyncio.Event().wait()  # stall

            asyncio.run(main())
    """
    ini.makepyfile(test_stall=source)
    result = run(ini, "--aiodeadlock", "--aiodeadlock-grace", "0.2")
    result.assert_outcomes(failed=2)
    lines = lines_of(source, "# stall")
    for name, line in zip(("test_never_set", "test_never_set_short_grace"), lines, strict=True):
        text = failure(result, name)
        assert "stall (DL105)" in text
        assert f"test_stall.py:{line}" in text


def test_a_caught_deadlock_still_fails_the_test(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        import asyncio
        import pytest

        def test_swallows():
            async def main():
                lock = asyncio.Lock()
                async with lock:
                    try:
                        await lock.acquire()
                    except Exception:
                        pass

            asyncio.run(main())

        @pytest.mark.aiodeadlock(enabled=False)
        def test_expects_it():
            import aiodeadlock
            async def main():
                lock = asyncio.Lock()
                async with lock:
                    with pytest.raises(aiodeadlock.DeadlockError):
                        await lock.acquire()

            with aiodeadlock.detect():
                asyncio.run(main())
        """
    )
    result = run(ini, "--aiodeadlock")
    result.assert_outcomes(failed=1, passed=1)
    text = failure(result, "test_swallows")
    assert "self-deadlock (DL101)" in text
    assert "the test went on after the deadlock was found" in text


# On 3.10, pytest-asyncio >= 1.0 runs tests in backports.asyncio.runner's pure-Python
# tasks, with that Runner's own SIGINT handler: this test covers both.
def test_pytest_asyncio_auto_mode_and_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra="asyncio_mode = auto"))
    pytester.makepyfile(
        """
        import asyncio
        import pytest

        @pytest.fixture
        async def lock():
            lock = asyncio.Lock()
            async with lock:
                yield lock

        async def test_fixture_holds_it(lock):
            async with lock:  # deadlock: the fixture's task holds it
                pass

        async def test_await_cycle():
            me = asyncio.current_task()

            async def child():
                await me

            await asyncio.create_task(child())

        async def test_stall():
            await asyncio.Event().wait()

        async def test_passes(lock):
            assert lock.locked()
        """
    )
    result = run(pytester, "--aiodeadlock", "--timeout", "10")
    result.assert_outcomes(failed=3, passed=1)
    assert "stall (DL105)" in failure(result, "test_stall")
    assert "wait-cycle (DL102)" in failure(result, "test_await_cycle")
    assert "DeadlockError" in failure(result, "test_fixture_holds_it")


def test_anyio_plugin_on_asyncio(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        import asyncio
        import pytest

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.mark.anyio
        async def test_retake():
            lock = asyncio.Lock()
            async with lock:
                async with lock:  # deadlock
                    pass

        @pytest.mark.anyio
        async def test_await_cycle():
            me = asyncio.current_task()

            async def child():
                await me

            await asyncio.create_task(child())

        @pytest.mark.anyio
        async def test_stall():
            await asyncio.Event().wait()

        @pytest.mark.anyio
        async def test_passes():
            async with asyncio.Lock():
                pass
        """
    )
    result = run(ini, "--aiodeadlock", "--timeout", "15")
    result.assert_outcomes(failed=3, passed=1)
    assert "stall (DL105)" in failure(result, "test_stall")
    assert "self-deadlock (DL101)" in failure(result, "test_retake")
    assert "wait-cycle (DL102)" in failure(result, "test_await_cycle")


def test_isolated_asyncio_test_case_lock_cycle(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        import asyncio
        import unittest

        class TestLocks(unittest.IsolatedAsyncioTestCase):
            async def asyncSetUp(self):
                self.a, self.b = asyncio.Lock(), asyncio.Lock()

            async def test_opposite_order(self):
                async def take(first, second):
                    async with first:
                        await asyncio.sleep(0.01)
                        async with second:
                            pass

                await asyncio.gather(take(self.a, self.b), take(self.b, self.a))

            async def test_retake(self):
                async with self.a:
                    async with self.a:
                        pass

            async def test_passes(self):
                async with self.a:
                    pass
        """
    )
    result = run(ini, "--aiodeadlock")
    result.assert_outcomes(failed=2, passed=1)
    assert "wait-cycle (DL102)" in failure(result, "test_opposite_order")
    text = failure(result, "test_retake")
    assert "self-deadlock (DL101)" in text
    assert "aiodeadlock/instrument" not in text


def test_leftovers_of_one_test_reach_no_other(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        import asyncio
        import pytest

        A, B = asyncio.Lock(), asyncio.Lock()

        def test_first():
            async def main():
                async with A:
                    async with B:
                        pass
                await asyncio.create_task(A.acquire())  # a task ends holding A

            asyncio.run(main())

        @pytest.mark.aiodeadlock(strict=True)
        def test_second():
            async def main():
                async with B:
                    await asyncio.sleep(0)

            asyncio.run(main())
        """
    )
    result = run(ini, "--aiodeadlock", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    assert "seen in test_leftovers_of_one_test_reach_no_other.py::test_second" not in (
        result.stdout.str()
    )


def test_leftover_tasks_in_a_module_scoped_loop(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        import asyncio
        import pytest

        LEFT = []

        @pytest.mark.asyncio(loop_scope="module")
        async def test_leaves_a_waiting_task():
            LEFT.append(asyncio.create_task(asyncio.Event().wait()))
            await asyncio.sleep(0)

        @pytest.mark.asyncio(loop_scope="module")
        @pytest.mark.aiodeadlock(strict=True)
        async def test_same_loop_later():
            await asyncio.sleep(0.05)
            assert not LEFT[0].done()
        """
    )
    result = run(ini, "--aiodeadlock", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    assert "aiodeadlock: potential deadlocks" not in result.stdout.str()


def test_a_deadlock_in_an_async_fixture_errors_the_setup(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        import asyncio
        import pytest
        import pytest_asyncio

        @pytest_asyncio.fixture
        async def resource():
            lock = asyncio.Lock()
            async with lock:
                async with lock:  # deadlock
                    yield

        @pytest.mark.asyncio
        async def test_uses_it(resource):
            pass

        def test_after():
            pass
        """
    )
    result = run(ini, "--aiodeadlock")
    result.assert_outcomes(errors=1, passed=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_uses_it*", "*self-deadlock (DL101)*"])


def test_with_pytest_xdist(ini: pytest.Pytester) -> None:
    ini.makepyfile(test_done=DONE_WHEN, test_order=LOCK_ORDER)
    result = run(ini, "--aiodeadlock", "-n", "2")
    result.assert_outcomes(failed=3, passed=4)
    out = result.stdout.str()
    assert "self-deadlock (DL101)" in failure(result, "test_sync_retakes_held_lock")
    assert "aiodeadlock: potential deadlocks" in out
    assert "seen in test_order.py::test_inverted_order" in out


STALL = """
import asyncio


def test_stall():
    async def main():
        await asyncio.Event().wait()  # stall

    asyncio.run(main())
"""


@pytest.mark.parametrize("method", ["signal", "thread"])
def test_with_pytest_timeout(ini: pytest.Pytester, method: str) -> None:
    # pytest-timeout's SIGALRM handler or timer thread does not hide a stall.
    ini.makepyfile(test_done=DONE_WHEN, test_stall=STALL)
    result = run(ini, "--aiodeadlock", "--timeout", "30", "--timeout-method", method)
    result.assert_outcomes(failed=4, passed=3)
    assert "Timeout" not in result.stdout.str()
    assert "stall (DL105)" in failure(result, "test_stall")


@pytest.mark.parametrize(
    ("where", "value"), [("option", "0"), ("option", "inf"), ("option", "nan"), ("ini", "soon")]
)
def test_bad_grace_is_a_usage_error(pytester: pytest.Pytester, where: str, value: str) -> None:
    pytester.makeini(INI.format(extra=f"aiodeadlock_grace = {value}" if where == "ini" else ""))
    pytester.makepyfile("def test_x(): pass")
    args = ["--aiodeadlock-grace", value] if where == "option" else []
    result = run(pytester, "--aiodeadlock", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*grace must be a positive number of seconds*"])


def test_grace_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra="aiodeadlock = true\naiodeadlock_grace = 0.3"))
    pytester.makepyfile(STALL)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["aiodeadlock: on (stall grace 0.3s)", "*for 0.3s*"])


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup")
def test_taskgroup_child_waits_for_its_parent(ini: pytest.Pytester) -> None:
    ini.makepyfile(
        """
        import asyncio
        import pytest

        @pytest.mark.asyncio
        async def test_group():
            lock = asyncio.Lock()
            async with lock:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(lock.acquire())  # deadlock
        """
    )
    result = run(ini, "--aiodeadlock")
    result.assert_outcomes(failed=1)
    assert "DeadlockError" in failure(result, "test_group")
