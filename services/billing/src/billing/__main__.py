import asyncio

from billing.main import create_app

asyncio.run(create_app().run())
