# expect: none
# A coroutine waits on its loop's thread, with FIRST_COMPLETED, for a coroutine of that
# same loop (which cannot run meanwhile) and for a reply a thread sends after a while: the
# reply ends the wait, then the loop runs the coroutine too.
import asyncio
import concurrent.futures
import threading


async def fetch():
    return "fetched"


async def main():
    loop = asyncio.get_running_loop()
    own = asyncio.run_coroutine_threadsafe(fetch(), loop)
    reply = concurrent.futures.Future()
    threading.Timer(1.5, reply.set_result, ["reply"]).start()
    done, _ = concurrent.futures.wait([own, reply], return_when=concurrent.futures.FIRST_COMPLETED)
    print([f.result() for f in done])
    print(await asyncio.wrap_future(own))


asyncio.run(main())
