"""Pure data: locations, tasks, resources, wait-for edges and findings. No asyncio here."""
