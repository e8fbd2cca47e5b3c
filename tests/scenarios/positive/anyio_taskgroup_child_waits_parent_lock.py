# expect: wait-cycle lines=8,14
# The parent holds an anyio.Lock around its task group; a child needs the same lock, and
# the end of the `async with` block waits for that child.
import anyio


async def save(lock, name):
    async with lock:  # held by the parent
        print("saved", name)


async def main():
    lock = anyio.Lock()
    async with lock:  # the parent holds the lock
        async with anyio.create_task_group() as tg:
            tg.start_soon(save, lock, "a")
        print("never")


anyio.run(main)
