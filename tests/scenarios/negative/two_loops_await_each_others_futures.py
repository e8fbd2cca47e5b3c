# expect: none
# Two event loops in two threads ask each other for a value; each awaits the other's
# answer (wrap_future) instead of blocking its thread on it, so both get it. Each loop
# stays up until both have their answer, so neither closes under the other's request.
import asyncio
import threading

ready = threading.Barrier(2)
answered = threading.Barrier(2)
loops = {}


async def ask(name):
    await asyncio.sleep(0.6)
    return name


async def serve(me, other):
    loops[me] = asyncio.get_running_loop()
    await asyncio.to_thread(ready.wait)
    fut = asyncio.run_coroutine_threadsafe(ask(me), loops[other])
    answer = await asyncio.wrap_future(fut)
    await asyncio.to_thread(answered.wait)
    return answer


answers = []


def side():
    answers.append(asyncio.run(serve("b", "a")))


t = threading.Thread(target=side, name="loop-b")
t.start()
answers.append(asyncio.run(serve("a", "b")))
t.join()
print(sorted(answers))
