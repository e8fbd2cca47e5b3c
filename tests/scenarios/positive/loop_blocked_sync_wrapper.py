# expect: loop-blocked lines=16,23
# timeout: 8
# A synchronous helper, written for threads, is called from a coroutine on the loop's
# thread: it blocks on a future that only the loop could complete.
import asyncio

LOOP = None


async def load_user(user_id):
    await asyncio.sleep(0.01)
    return {"id": user_id}


def get_user_sync(user_id):
    return asyncio.run_coroutine_threadsafe(load_user(user_id), LOOP).result()  # blocks


async def handler():
    global LOOP
    LOOP = asyncio.get_running_loop()
    await asyncio.sleep(0.05)
    user = get_user_sync(7)  # a sync wrapper called on the loop's own thread
    print(user)


asyncio.run(handler())
