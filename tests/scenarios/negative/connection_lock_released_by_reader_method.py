# expect: none
# A Connection's lock is taken by send() in one task and released 1.2 s later by the
# response reader, a method of the same object running in another task.
import asyncio


class Connection:
    def __init__(self):
        self._lock = asyncio.Lock()
        self.log = []

    async def send(self, msg):
        await self._lock.acquire()  # released by read_response()
        self.log.append(f"sent {msg}")

    async def read_response(self):
        await asyncio.sleep(1.2)
        self.log.append("response")
        self._lock.release()


async def main():
    conn = Connection()
    await asyncio.create_task(conn.send("a"))
    reader = asyncio.create_task(conn.read_response())
    await conn.send("b")  # waits until the reader releases the lock
    await reader
    print(conn.log)


asyncio.run(main())
