"""The event catalogue: golden fixtures, documentation, envelope rules."""

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from contracts import causation
from contracts.bus import Topology
from contracts.envelope import derived_event_id
from contracts.events import ALL_EVENTS, DatasetUploaded, DatasetValidated

GOLDEN = Path(__file__).parents[1] / "golden"


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.__name__)
def test_golden_fixture_round_trips(event):
    raw = json.loads((GOLDEN / f"{event.__name__}.json").read_text())
    parsed = event.model_validate(raw)
    assert parsed.model_dump(mode="json") == raw


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.__name__)
def test_readers_ignore_fields_they_do_not_know(event):
    raw = json.loads((GOLDEN / f"{event.__name__}.json").read_text())
    newer = raw | {"field_added_in_a_later_minor_version": {"x": 1}}
    assert event.model_validate(newer) == event.model_validate(raw)


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.__name__)
def test_events_are_frozen(event):
    parsed = event.model_validate_json((GOLDEN / f"{event.__name__}.json").read_text())
    with pytest.raises(ValidationError):
        parsed.account_id = "someone-else"


def test_every_field_of_every_event_is_documented():
    undocumented, seen = [], set()

    def walk(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            if not field.description:
                undocumented.append(f"{model.__name__}.{name}")
            for inner in (field.annotation, *getattr(field.annotation, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    walk(inner)

    for event in ALL_EVENTS:
        walk(event)
    assert undocumented == []


def test_there_is_a_golden_fixture_for_each_event_and_no_other():
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(e.__name__ for e in ALL_EVENTS)


def test_subjects_follow_the_naming_rule_and_are_unique():
    subjects = [Topology(prefix="aitrain").subject(event) for event in ALL_EVENTS]
    assert "aitrain.dataset.uploaded.v1" in subjects
    assert len(set(subjects)) == len(subjects)
    for subject in subjects:
        prefix, context, name, version = subject.split(".")
        assert (prefix, version) == ("aitrain", "v1")
        assert context.isidentifier() and name.isidentifier()


def test_a_message_of_another_type_is_refused():
    raw = json.loads((GOLDEN / "DatasetUploaded.json").read_text())
    with pytest.raises(ValidationError, match="event_type"):
        DatasetUploaded.model_validate(raw | {"event_type": "DatasetRejected"})


def test_occurred_at_must_carry_a_time_zone():
    raw = json.loads((GOLDEN / "DatasetUploaded.json").read_text())
    with pytest.raises(ValidationError, match="occurred_at"):
        DatasetUploaded.model_validate(raw | {"occurred_at": "2026-11-25T12:00:00"})


def root_event() -> DatasetUploaded:
    return DatasetUploaded.new(
        account_id="acct-1",
        training_id="trn-1",
        dataset_id="ds-1",
        training_type="style",
        keyword="customstylemodel",
        images=[],
    )


def test_a_root_event_starts_a_new_chain():
    first, second = root_event(), root_event()
    assert first.causation_id is None
    assert first.event_id != second.event_id
    assert first.correlation_id != second.correlation_id
    assert first.occurred_at.tzinfo is not None


def test_an_event_made_while_handling_another_inherits_its_chain():
    cause = root_event()

    def validated() -> DatasetValidated:
        return DatasetValidated.new(
            training_id="trn-1",
            dataset_id="ds-1",
            spec={"training_type": "style", "keyword": "k", "images": [], "dataset_hash": "h"},
            report={},
        )

    with causation.handling(causation.Cause(cause.event_id, cause.correlation_id, "acct-1")):
        outcome = validated()
        on_redelivery = validated()  # the same cause handled again
    assert outcome.correlation_id == cause.correlation_id
    assert outcome.causation_id == cause.event_id
    assert outcome.account_id == "acct-1"
    assert outcome.event_id == derived_event_id(cause.event_id, "DatasetValidated")
    assert on_redelivery.event_id == outcome.event_id
    assert causation.current() is None


def test_derived_ids_differ_by_cause_type_and_key():
    ids = {
        derived_event_id("a", "TrainingProgress", "10"),
        derived_event_id("a", "TrainingProgress", "20"),
        derived_event_id("b", "TrainingProgress", "10"),
        derived_event_id("a", "TrainingCompleted", "10"),
    }
    assert len(ids) == 4
    assert derived_event_id("a", "T", "1") == derived_event_id("a", "T", "1")
