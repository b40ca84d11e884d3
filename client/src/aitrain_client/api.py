"""A small synchronous client of the gateway's HTTP API (httpx).

Every 4xx/5xx becomes AitrainError carrying the status and the gateway's message, which
always says what to fix; live updates come from the server-sent event endpoints.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif"}


class AitrainError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(f"{message} (HTTP {status})" if status else message)
        self.status, self.message = status, message


def message_of(response: httpx.Response) -> str:
    """The gateway's `detail`, readable: FastAPI's field errors become 'field: problem'."""
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        return response.text or response.reason_phrase
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', [])[1:]) or 'request'}: {item.get('msg')}"
            for item in detail
        )
    return str(detail)


def training_files(folder: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    """A folder's images, and caption files `<image name>.txt`, as multipart parts."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
    captions = [p for p in files if p.suffix.lower() == ".txt"]
    if not images:
        raise AitrainError(0, f"no images in {folder} (jpg, png, webp or heic)")
    return [
        ("images", (p.name, p.read_bytes(), "text/plain" if p in captions else "image/*"))
        for p in images + captions
    ]


def events(lines: Iterator[str]) -> Iterator[dict]:
    """The `data:` payloads of a server-sent event stream, one dict per event."""
    data: list[str] = []
    for line in lines:
        if line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield json.loads("\n".join(data))
            data = []
    if data:
        yield json.loads("\n".join(data))


class Client:
    def __init__(self, url: str, api_key: str, transport: httpx.BaseTransport | None = None):
        self.http = httpx.Client(
            base_url=url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(60, read=300),
            transport=transport,
        )
        self.downloads = httpx.Client(timeout=60, transport=transport)  # no API key sent

    def _call(self, method: str, path: str, **kwargs) -> dict | list:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AitrainError(response.status_code, message_of(response))
        return response.json() if response.content else {}

    def account(self) -> dict:
        return self._call("GET", "/v1/account")

    def ledger(self, limit: int = 20) -> list[dict]:
        return self._call("GET", "/v1/ledger", params={"limit": limit})["entries"]

    def checkout(self, plan: str) -> dict:
        """Start buying a paid plan; the plan changes once the payment is confirmed."""
        return self._call("POST", "/v1/checkouts", json={"plan": plan})

    def checkout_state(self, checkout_id: str) -> dict:
        return self._call("GET", f"/v1/checkouts/{checkout_id}")

    def end_plan(self) -> dict:
        """Back to the free plan."""
        return self._call("POST", "/v1/subscription", json={"plan": "free"})

    def confirm_paid(self, checkout_id: str, reference: str) -> dict:
        """The operator received a checkout's payment (admin token)."""
        return self._call(
            "POST", f"/v1/checkouts/{checkout_id}/paid", json={"reference": reference}
        )

    def dead_letters(self, limit: int = 50) -> list[dict]:
        """Events a service gave up on, newest first (admin token)."""
        return self._call("GET", "/v1/admin/dead-letters", params={"limit": limit})

    def dead_letter(self, letter_id: int) -> dict:
        """One dead letter with its payload (admin token)."""
        return self._call("GET", f"/v1/admin/dead-letters/{letter_id}")

    def replay_dead_letter(self, letter_id: int) -> dict:
        """Have the owning service handle it again: `outcome` says what became of it."""
        return self._call("POST", f"/v1/admin/dead-letters/{letter_id}/replay")

    def drop_dead_letter(self, letter_id: int) -> None:
        self._call("DELETE", f"/v1/admin/dead-letters/{letter_id}")

    def training_options(self) -> dict:
        """What a training takes: types, image counts, the base models (`bases`)."""
        return self._call("GET", "/v1/training-options")

    def train(
        self,
        folder: Path,
        training_type: str | None,
        keyword: str | None,
        version_of: str | None = None,
        **overrides,
    ) -> dict:
        """A new model; or, with `version_of` (type and keyword None: the model's), its next
        version."""
        fields = {"type": training_type, "keyword": keyword, "version_of": version_of}
        fields = {k: str(v) for k, v in (fields | overrides).items() if v is not None}
        return self._call("POST", "/v1/trainings", data=fields, files=training_files(folder))

    def check(self, folder: Path, training_type: str, keyword: str) -> dict:
        """The photo report and the price of a training, without starting it (a dry run:
        nothing is charged or reserved)."""
        fields = {"type": training_type, "keyword": keyword}
        files = training_files(folder)
        params = {"dry_run": "true"}
        return self._call("POST", "/v1/trainings", params=params, data=fields, files=files)

    def training(self, training_id: str) -> dict:
        return self._call("GET", f"/v1/trainings/{training_id}")

    def cancel(self, training_id: str) -> dict:
        """Stop a training; answers its view (`cancelling`, then `cancelled`)."""
        return self._call("POST", f"/v1/trainings/{training_id}/cancel")

    def models(self) -> list[dict]:
        return self._call("GET", "/v1/models")

    def model(self, model_id: str) -> dict:
        """The model with its `versions`."""
        return self._call("GET", f"/v1/models/{model_id}")

    def weights_link(
        self, model_id: str, format: str = "diffusers", version: int | None = None
    ) -> dict:
        """A presigned link to the model's LoRA (its latest version, or `version`):
        {format, file_name, url, expires_at}."""
        params = {"format": format} | ({"version": version} if version else {})
        return self._call("GET", f"/v1/models/{model_id}/weights", params=params)

    def delete_model(self, model_id: str, version: int | None = None) -> dict:
        """Every version of the model, or only `version`."""
        params = {"version": version} if version else {}
        return self._call("DELETE", f"/v1/models/{model_id}", params=params)

    def compare(
        self, model_id: str, prompt: str, versions: list[int] | None = None, **settings
    ) -> dict:
        """The same prompt and seed on each version: {seed, credits, generations: [{version,
        generation_id}]}."""
        body = {"prompt": prompt, "versions": versions} | settings
        body = {k: v for k, v in body.items() if v is not None}
        return self._call("POST", f"/v1/models/{model_id}/compare", json=body)

    def webhooks(self) -> dict:
        """{endpoints, event_types}."""
        return self._call("GET", "/v1/webhooks")

    def add_webhook(self, url: str, events: list[str], description: str = "") -> dict:
        """The new endpoint with its signing `secret` (shown this once)."""
        body = {"url": url, "events": events, "description": description}
        return self._call("POST", "/v1/webhooks", json=body)

    def change_webhook(self, endpoint_id: str, **change) -> dict:
        return self._call("PATCH", f"/v1/webhooks/{endpoint_id}", json=change)

    def delete_webhook(self, endpoint_id: str) -> None:
        self._call("DELETE", f"/v1/webhooks/{endpoint_id}")

    def test_webhook(self, endpoint_id: str) -> dict:
        return self._call("POST", f"/v1/webhooks/{endpoint_id}/test")

    def webhook_deliveries(self, endpoint_id: str, limit: int = 30) -> list[dict]:
        path = f"/v1/webhooks/{endpoint_id}/deliveries"
        return self._call("GET", path, params={"limit": limit})

    def generate(self, model: str | list[tuple], prompt: str, **settings) -> dict:
        """`model`: a model id (`version` in settings picks one of its versions), or (model
        id, weight[, version]) of up to three models in one image."""
        if isinstance(model, str):
            body = {"model_id": model, "prompt": prompt}
        else:
            chosen = [dict(zip(("model_id", "weight", "version"), m, strict=False)) for m in model]
            chosen = [{k: v for k, v in c.items() if v is not None} for c in chosen]
            body = {"models": chosen, "prompt": prompt}
        body |= {k: v for k, v in settings.items() if v is not None}
        return self._call("POST", "/v1/generations", json=body)

    def generation(self, generation_id: str) -> dict:
        return self._call("GET", f"/v1/generations/{generation_id}")

    def follow(self, kind: str, item_id: str) -> Iterator[dict]:
        """Each new view of a training or generation (kind: 'trainings' or 'generations'),
        live, until it ends."""
        with self.http.stream("GET", f"/v1/{kind}/{item_id}/events") as response:
            if response.status_code >= 400:
                response.read()
                raise AitrainError(response.status_code, message_of(response))
            yield from events(response.iter_lines())

    def wait(self, kind: str, item_id: str) -> dict:
        """The last view of a training or generation: the one it ended with."""
        view: dict = {}
        for view in self.follow(kind, item_id):  # noqa: B007 — the last one is wanted
            pass
        return view

    def download(self, url: str, path: Path) -> Path:
        """An image from its presigned URL (no API key: the URL is the permission)."""
        response = self.downloads.get(url)
        if response.status_code >= 400:
            raise AitrainError(response.status_code, f"could not download {path.name}")
        path.write_bytes(response.content)
        return path
