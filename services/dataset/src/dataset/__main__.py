import asyncio

from dataset.main import create_app

asyncio.run(create_app().run())
