# expect: none
# The parent holds an anyio.Lock and waits for a child that needs it, but only under
# move_on_after(): it gives up, releases the lock, and the child finishes.
import anyio


async def child(lock, done):
    async with lock:
        done.set()


async def main():
    lock = anyio.Lock()
    done = anyio.Event()
    async with anyio.create_task_group() as tg:
        async with lock:
            tg.start_soon(child, lock, done)
            with anyio.move_on_after(0.3) as scope:
                await done.wait()
            print("gave up waiting:", scope.cancelled_caught)
    print("child done:", done.is_set())


anyio.run(main)
