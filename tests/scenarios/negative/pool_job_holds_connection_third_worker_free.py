# expect: none
# One job holds the only database connection and waits for a job of the same pool, while
# the second worker waits for the connection: the third worker runs the job, and all ends.
import asyncio
import concurrent.futures
import threading
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=3, thread_name_prefix="worker")
connection = threading.BoundedSemaphore(1)  # a database pool of one connection
visiting = threading.Event()
holding = threading.Event()  # ann's job has the connection


def price(user):
    time.sleep(1.3)
    return 42


def log_visit(user):
    visiting.set()
    with connection:  # waits for the connection
        return f"visit {user}"


def checkout(user):
    with connection:  # holds the connection
        holding.set()
        visiting.wait()  # the other worker is busy now
        return pool.submit(price, user).result()  # the third worker runs it


async def main():
    loop = asyncio.get_running_loop()
    first = loop.run_in_executor(pool, checkout, "ann")
    await asyncio.to_thread(holding.wait)  # ann's job has the connection
    second = loop.run_in_executor(pool, log_visit, "bob")
    print(await asyncio.gather(first, second))


asyncio.run(main())
