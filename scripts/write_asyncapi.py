"""Write the AsyncAPI document of each service, generated from its FastStream app.

`make asyncapi` refreshes docs/asyncapi/; a test fails when the committed files are stale.
"""

import importlib
import json
import sys
from pathlib import Path

SERVICES = ("gateway", "dataset", "billing", "trainer", "inference")
OUT = Path(__file__).resolve().parents[1] / "docs" / "asyncapi"
# The documented server is the embedded default, whatever this shell's environment says.
DOC_SETTINGS = {
    "nats_url": "nats://127.0.0.1:4222",
    "aitrain_bus_prefix": "aitrain",
    "s3_secret_key": "documentation-only",
}


def document(service: str) -> str:
    main = importlib.import_module(f"{service}.main")
    settings = importlib.import_module(f"{service}.config").Settings(**DOC_SETTINGS)
    app = main.asyncapi_app(settings) if service == "gateway" else main.create_app(settings)
    spec = app.schema.to_specification().to_jsonable()
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        (OUT / f"{service}.json").write_text(document(service))
        print(f"wrote {OUT / service}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
