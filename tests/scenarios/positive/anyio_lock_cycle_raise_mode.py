# expect: wait-cycle lines=13,16
# args: --on-deadlock raise
# exit: 0
# potential: lock-order lines=13,16
# stdout-has: backed off: DeadlockError
# In raise mode one worker of an anyio lock cycle gets DeadlockError and backs off.
import anyio

from aiodeadlock import DeadlockError


async def worker(name, first, second):
    async with first:  # holds one lock
        await anyio.sleep(0.1)
        try:
            async with second:  # waits for the other's lock
                print(name, "has both")
        except DeadlockError as err:
            print("backed off:", type(err).__name__)


async def main():
    a, b = anyio.Lock(), anyio.Lock()
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker, "one", a, b)
        tg.start_soon(worker, "two", b, a)


anyio.run(main)
