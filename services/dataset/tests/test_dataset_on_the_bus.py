"""The dataset service as it runs: real NATS JetStream, real S3, real MongoDB protocol (what
the checks decide is tested on fakes: test_dataset_on_fakes.py)."""

import io
import uuid

import dataset_images as photos
import pytest
from bus_helpers import eventually, running
from PIL import Image

from aitrain_local import servers
from contracts.bus import Delivery, connect_bus
from contracts.events import DatasetRejected, DatasetUploaded, DatasetValidated
from contracts.events.common import TrainingOverrides
from contracts.events.dataset import UploadedImage
from dataset.config import Settings
from dataset.main import create_app

pytestmark = pytest.mark.integration


@pytest.fixture
def s3(embedded):
    return servers.s3_client(embedded.s3_endpoint, embedded.s3)


def upload(s3, bucket: str, account: str, dataset: str, named, captions=None) -> list:
    images = []
    for name, data in named:
        key = f"accounts/{account}/datasets/{dataset}/raw/{uuid.uuid4().hex}"
        s3.put_object(bucket, key, io.BytesIO(data), len(data))
        images.append(UploadedImage(key=key, name=name, caption=(captions or {}).get(name)))
    return images


async def run_dataset(service_env, events):
    settings = Settings(**{k.lower(): v for k, v in service_env.items()})
    client = connect_bus("client", settings.nats_url, settings.topology())
    client.produces(DatasetUploaded)
    verdicts: list = []

    async def collect(event, delivery: Delivery) -> None:
        verdicts.append(event)

    client.consume("verdicts", {DatasetValidated: collect, DatasetRejected: collect})
    async with running(create_app(settings)):
        await client.start()
        try:
            for event in events:
                await client.publish(event)
            await eventually(lambda: len(verdicts) == len(events), timeout_s=90)
        finally:
            await client.stop()
    return verdicts


async def test_a_good_set_is_validated_and_its_training_images_stored(service_env, embedded, s3):
    images = upload(
        s3, embedded.bucket, "acct-1", "ds-good", photos.portraits(15),
        captions={"IMG_1003.jpg": "a man in a space suit, smiling"},
    )  # fmt: skip
    uploaded = DatasetUploaded.new(
        account_id="acct-1", training_id="trn-good", dataset_id="ds-good",
        training_type="character", keyword="customastromodel", images=images,
        overrides=TrainingOverrides(rank=16),
    )  # fmt: skip
    [verdict] = await run_dataset(service_env, [uploaded])
    assert isinstance(verdict, DatasetValidated), verdict
    assert verdict.spec.overrides == TrainingOverrides(rank=16)
    assert verdict.causation_id == uploaded.event_id
    spec = verdict.spec
    assert len(spec.images) == 15
    assert all("customastromodel" in image.caption for image in spec.images)
    assert spec.images[3].caption == "customastromodel, a man in a space suit, smiling"
    stored = Image.open(io.BytesIO(s3.get_object(embedded.bucket, spec.images[0].key).read()))
    assert (stored.format, stored.size) == ("PNG", (512, 512))
    assert spec.images[0].key.startswith("accounts/acct-1/datasets/ds-good/processed/")
