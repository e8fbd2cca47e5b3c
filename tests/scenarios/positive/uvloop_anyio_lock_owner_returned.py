# expect: orphaned-lock lines=9,18
# timeout: 8
# anyio on uvloop (use_uvloop): a task takes an anyio.Lock with acquire() and returns
# without releasing it; only the owner may release an anyio lock.
import anyio


async def login(lock):
    await lock.acquire()  # taken, never released


async def main():
    lock = anyio.Lock()
    async with anyio.create_task_group() as tg:
        tg.start_soon(login, lock)
    await anyio.sleep(0.05)
    print("login returned")
    async with lock:  # waits for a task that has returned
        print("never")


anyio.run(main, backend_options={"use_uvloop": True})
