# expect: none
# loop.add_reader on an os.pipe that a thread writes after 1.2 s resolves a future.
import asyncio
import os
import threading
import time


async def main():
    loop = asyncio.get_running_loop()
    r, w = os.pipe()
    fut = loop.create_future()
    loop.add_reader(r, lambda: fut.done() or fut.set_result(os.read(r, 10)))
    threading.Thread(target=lambda: (time.sleep(1.2), os.write(w, b"data"))).start()
    print(await fut)
    loop.remove_reader(r)
    os.close(r)
    os.close(w)


asyncio.run(main())
