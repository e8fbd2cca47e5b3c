# expect: self-deadlock lines=14,9
# A Semaphore(1) used as a mutex; a helper takes the only permit again.
import asyncio

limit = asyncio.Semaphore(1)


async def fetch(url):
    async with limit:  # no permit left: this task holds it
        return url.upper()


async def crawl(urls):
    async with limit:
        return [await fetch(u) for u in urls]


asyncio.run(crawl(["a", "b"]))
