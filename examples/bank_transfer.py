"""Bank transfers that hang: a large transfer is audited by a helper that re-takes the lock."""

import asyncio

AUDIT_THRESHOLD = 1_000


class Account:
    def __init__(self, owner: str, balance: int) -> None:
        self.owner = owner
        self.balance = balance
        self.lock = asyncio.Lock()


async def current_balance(account: Account) -> int:
    """A consistent read of the balance; fine on its own, fatal under account.lock."""
    async with account.lock:
        return account.balance


async def audit(account: Account, amount: int) -> None:
    balance = await current_balance(account)
    print(f"  audit: {account.owner} moves {amount} of {balance}")


async def transfer(source: Account, target: Account, amount: int) -> None:
    async with source.lock:
        if amount >= AUDIT_THRESHOLD:
            await audit(source, amount)  # re-takes source.lock, which this task holds
        if source.balance < amount:
            raise ValueError(f"{source.owner} cannot pay {amount}")
        source.balance -= amount
    async with target.lock:
        target.balance += amount
    print(f"{source.owner} -> {target.owner}: {amount}")


async def main() -> None:
    alice, bob = Account("alice", 5_000), Account("bob", 500)
    await transfer(alice, bob, 200)
    await transfer(bob, alice, 50)
    batch = [
        asyncio.create_task(transfer(alice, bob, amount), name=f"transfer-{amount}")
        for amount in (300, 2_500, 100)
    ]
    await asyncio.gather(*batch)  # without aiodeadlock: hangs here, silently, forever
    print(f"balances: alice {alice.balance}, bob {bob.balance}")


if __name__ == "__main__":
    asyncio.run(main())
