"""The catalog of base models, as an operator writes it in AITRAIN_BASES."""

import pytest
from pydantic import ValidationError

from contracts.bases import NotServed, catalog_of
from contracts.sampling import Sampling

TWO = """[{"name": "flux-dev", "label": "FLUX.1 [dev]", "family": "flux",
           "weights": "/models/FLUX.1-dev", "resolution": 1024},
          {"name": "sdxl", "family": "sdxl", "weights": "stabilityai/sdxl-base-1.0"}]"""


def test_the_first_base_listed_is_the_default_and_each_is_found_by_name():
    catalog = catalog_of(TWO)
    assert catalog.names == ["flux-dev", "sdxl"]
    assert catalog.get(None).name == "flux-dev"
    assert catalog.get("sdxl").family == "sdxl"
    assert catalog.get("sdxl").shown_as == "sdxl"  # no label: its name
    assert catalog.get("flux-dev").shown_as == "FLUX.1 [dev]"
    with pytest.raises(KeyError):
        catalog.get("sd3")


def test_a_job_on_a_base_not_served_or_without_weights_is_told_what_is_served():
    catalog = catalog_of(TWO)
    assert catalog.loadable("sdxl").weights == "stabilityai/sdxl-base-1.0"
    with pytest.raises(NotServed) as refused:
        catalog.loadable("sd3")
    assert str(refused.value) == "the base model 'sd3' is not served here; use flux-dev, sdxl"
    with pytest.raises(NotServed, match="has no weights: set its `weights` in AITRAIN_BASES"):
        catalog_of("").loadable(None)  # neither AITRAIN_BASES nor BASE_MODEL


def test_without_a_catalog_base_model_is_the_one_base():
    catalog = catalog_of("", "/models/sd15")
    assert [(b.name, b.family, b.weights) for b in catalog.bases] == [
        ("default", "sd", "/models/sd15")
    ]


@pytest.mark.parametrize(
    "setting",
    [
        "[]",  # no base
        '[{"name": "a", "family": "sd3"}]',  # a family the trainer has no code for
        '[{"name": "Big Model", "family": "sd"}]',  # not a name the API can carry
        '[{"name": "a", "family": "sd"}, {"name": "a", "family": "flux"}]',  # twice
        '{"name": "a", "family": "sd"}',  # not a list
    ],
)
def test_a_catalog_that_cannot_be_served_is_refused_at_start(setting):
    with pytest.raises(ValidationError):
        catalog_of(setting)


def test_each_base_paints_with_its_own_guidance_and_steps_where_it_gives_them():
    catalog = catalog_of(
        """[{"name": "flux-dev", "family": "flux", "guidance": 3.5, "sampling_steps": 28},
            {"name": "sd15", "family": "sd"}]"""
    )
    settings = Sampling(steps=20, guidance=7.5)  # SAMPLING_STEPS, SAMPLING_GUIDANCE
    assert settings.for_base(catalog.get("flux-dev")) == Sampling(steps=28, guidance=3.5)
    assert settings.for_base(catalog.get("sd15")) == settings
