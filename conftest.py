# Fixtures that start the real embedded servers (see deploy/local/src/aitrain_local/testing.py).
pytest_plugins = ["aitrain_local.testing"]
