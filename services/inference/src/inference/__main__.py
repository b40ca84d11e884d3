import asyncio

from inference.main import create_app

asyncio.run(create_app().run())
