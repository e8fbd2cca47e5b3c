# expect: orphaned-lock lines=11,28
# The shape of anyio's "capacity-limiter token handed to a cancelled waiter" bug (fixed in
# anyio 4: a waiter cancelled after release() handed it the token now passes it on).
# Here the waiter takes the token and is cancelled before it gives it back: the token
# stays borrowed by an ended task and the next borrower waits forever.
import anyio


async def download(pool, started):
    started.set()
    await pool.acquire()  # the token is handed over when main releases it
    await anyio.sleep(10)  # cancelled here, holding the token
    pool.release()


async def main():
    pool = anyio.CapacityLimiter(1)
    started = anyio.Event()
    async with anyio.create_task_group() as tg:
        await pool.acquire()
        tg.start_soon(download, pool, started)
        await started.wait()
        await anyio.sleep(0.05)
        pool.release()  # the token goes to download()
        await anyio.sleep(0.05)
        tg.cancel_scope.cancel()
    print("download cancelled")
    async with pool:  # waits for a token nobody will give back
        print("never")


anyio.run(main)
