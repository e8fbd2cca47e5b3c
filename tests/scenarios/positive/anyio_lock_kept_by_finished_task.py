# expect: orphaned-lock lines=8,20
# A login task takes the session lock with acquire() and returns early on a bad password
# without releasing it; anyio lets only the owner release a lock, so nobody else can.
import anyio


async def login(lock, password):
    await lock.acquire()  # taken, never released
    if password != "secret":
        return False
    lock.release()
    return True


async def main():
    lock = anyio.Lock()
    async with anyio.create_task_group() as tg:
        tg.start_soon(login, lock, "wrong")
    print("login failed")
    async with lock:  # waits for a task that has returned
        print("never")


anyio.run(main)
