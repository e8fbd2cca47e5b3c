# expect: none
# One job takes the only database connection, gives it back, and only then waits for a job
# of the same pool; the other worker's job gets the connection, so a worker gets free.
import asyncio
import concurrent.futures
import threading
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="worker")
connection = threading.BoundedSemaphore(1)
visiting = threading.Event()
holding = threading.Event()  # ann's job has the connection


def price(user):
    return 42


def log_visit(user):
    visiting.set()
    with connection:
        time.sleep(1.3)  # keeps the worker (and the other job's part) waiting a while
        return f"visit {user}"


def checkout(user):
    with connection:
        holding.set()
        visiting.wait()
    return pool.submit(price, user).result()  # runs once log_visit() ends


async def main():
    loop = asyncio.get_running_loop()
    first = loop.run_in_executor(pool, checkout, "ann")
    await asyncio.to_thread(holding.wait)  # ann's job has the connection
    second = loop.run_in_executor(pool, log_visit, "bob")
    print(await asyncio.gather(first, second))


asyncio.run(main())
