# expect: wait-cycle lines=21,29
# One request's job holds the only database connection (a BoundedSemaphore) and waits for
# a job it submits to the same pool; the pool's other worker runs a job that waits for a
# connection, so the submitted job never gets a worker.
import asyncio
import concurrent.futures
import threading

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="worker")
connection = threading.BoundedSemaphore(1)  # a database pool of one connection
visiting = threading.Event()
holding = threading.Event()  # ann's job has the connection


def price(user):
    return 42


def log_visit(user):
    visiting.set()
    with connection:  # waits for the connection
        return f"visit {user}"


def checkout(user):
    with connection:  # holds the connection
        holding.set()
        visiting.wait()  # the other worker is busy now
        return pool.submit(price, user).result()  # queued: no worker gets free


async def main():
    loop = asyncio.get_running_loop()
    first = loop.run_in_executor(pool, checkout, "ann")
    await asyncio.to_thread(holding.wait)  # ann's job has the connection
    second = loop.run_in_executor(pool, log_visit, "bob")
    print(await asyncio.gather(first, second))


asyncio.run(main())
