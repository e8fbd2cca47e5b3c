"""Static checker: find deadlock hazards in asyncio source code without running it."""
