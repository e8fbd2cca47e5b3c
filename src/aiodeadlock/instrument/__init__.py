"""The only package that patches or reads asyncio internals."""
