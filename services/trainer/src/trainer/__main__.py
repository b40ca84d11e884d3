import asyncio

from trainer.main import create_app

asyncio.run(create_app().run())
