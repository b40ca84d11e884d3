"""The trainer's pure rules: presets and overrides, progress pacing, derived ids."""

from typing import get_args

import pytest
from pydantic import ValidationError

from contracts.bases import Presets, catalog_of
from contracts.events.common import TrainingOverrides, TrainingType
from trainer.domain import keys
from trainer.domain.pacing import Pacing, ProgressClock
from trainer.domain.presets import PRESETS, TABLES, plan


@pytest.mark.parametrize("training_type", sorted(PRESETS))
def test_steps_grow_with_the_images_between_the_floor_and_the_cap(training_type):
    preset = PRESETS[training_type]
    few, some, many = (plan(training_type, n, None, 0).steps for n in (1, 25, 10_000))
    assert few == preset.min_steps
    assert some == min(max(25 * preset.steps_per_image, preset.min_steps), preset.max_steps)
    assert many == preset.max_steps


def test_identity_presets_train_a_text_encoder_adapter_and_style_does_not():
    chosen = {kind: plan(kind, 15, TrainingOverrides(steps=60), 0) for kind in PRESETS}
    assert chosen["character"].text_encoder_rank == PRESETS["character"].plan.text_encoder_rank > 0
    assert chosen["object"].text_encoder_rank == PRESETS["object"].plan.text_encoder_rank > 0
    assert chosen["style"].text_encoder_rank == 0
    assert all(each.preserve_weight > 0 for each in chosen.values())  # no leak for any type


def test_overrides_within_bounds_replace_the_preset():
    chosen = plan("style", 15, TrainingOverrides(rank=32, learning_rate=1e-4, steps=120), 0)
    assert (chosen.rank, chosen.learning_rate, chosen.steps) == (32, 1e-4, 120)
    assert chosen.batch_size == PRESETS["style"].plan.batch_size


@pytest.mark.parametrize(
    "overrides", [{"rank": 3}, {"learning_rate": 0.5}, {"steps": 10}, {"steps": 100_000}]
)
def test_overrides_outside_the_safe_bounds_cannot_even_be_expressed(overrides):
    with pytest.raises(ValidationError):
        TrainingOverrides(**overrides)


def test_reports_are_paced_in_time_and_the_last_step_always_reports():
    clock = ProgressClock(Pacing(report_every_s=2.0), total_steps=100, first_step=0, started_at=0)
    due = [step for step in range(1, 101) if clock.report_due(step, now=step * 0.25)]
    assert due == [*range(1, 100, 8), 100]  # every 8 steps = 2 s, and the end


def test_checkpoints_and_samples_fall_on_their_step_intervals():
    pacing = Pacing(sample_every_steps=40, checkpoint_every_steps=30)
    clock = ProgressClock(pacing, total_steps=100, first_step=0, started_at=0)
    assert [s for s in range(1, 101) if clock.checkpoint_due(s)] == [30, 60, 90]
    assert [s for s in range(1, 101) if clock.sample_due(s)] == [40, 80, 100]


def test_eta_counts_only_the_steps_this_run_made():
    clock = ProgressClock(Pacing(), total_steps=300, first_step=100, started_at=10.0)
    assert clock.eta_seconds(100, now=10.0) is None
    assert clock.eta_seconds(150, now=20.0) == pytest.approx(30.0)  # 50 steps per 10 s


def test_the_same_training_always_names_the_same_model_and_files():
    assert keys.model_id("trn-1") == keys.model_id("trn-1") != keys.model_id("trn-2")
    model = keys.model_id("trn-1")
    assert keys.weights_key("acct", model).startswith(keys.model_prefix("acct", model))
    assert keys.kohya_weights_key("acct", model).startswith(keys.model_prefix("acct", model))
    assert keys.sample_key("acct", model, 7).startswith(keys.model_prefix("acct", model))


def test_every_preset_table_a_catalog_may_name_exists_with_every_type():
    assert set(get_args(Presets)) == set(TABLES)
    assert all(set(table) == set(get_args(TrainingType)) for table in TABLES.values())
    tables = {
        family: catalog_of(f'[{{"name": "b", "family": "{family}"}}]').default.preset_table
        for family in ("sd", "sdxl", "flux")
    }
    assert tables == {"sd": "sd15", "sdxl": "sdxl", "flux": "flux"}
    assert catalog_of("", "/models/x").default.preset_table == "aitrain-tiny"  # as before


def test_real_bases_train_at_batch_1_and_sdxl_and_flux_leave_the_text_encoders_alone():
    for name in ("sd15", "sdxl", "flux"):
        chosen = plan("character", 15, None, 0, name)
        assert (chosen.batch_size, chosen.preserve_weight, chosen.learning_rate) == (
            1,
            0.0,
            TABLES[name]["character"].plan.learning_rate,
        )
        assert chosen.learning_rate < PRESETS["character"].plan.learning_rate  # not the tiny's
    assert plan("object", 15, None, 0, "sd15").text_encoder_rank > 0
    assert plan("object", 15, None, 0, "flux").text_encoder_rank == 0


def test_flux_alone_trains_its_squares_at_smaller_sides_too():
    """ai-toolkit's FLUX.1 buckets, 512-768-1024; SD 1.5 and SDXL at their own side."""
    sides = {name: plan("style", 15, None, 0, name).smaller_sides for name in TABLES}
    assert sides == {"aitrain-tiny": (), "sd15": (), "sdxl": (), "flux": (0.5, 0.75)}
