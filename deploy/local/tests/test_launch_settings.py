"""`make run`'s multi-node settings: replicas per service, cluster size, stream replicas."""

import pytest
from pydantic import ValidationError

from aitrain_local.launcher import SERVICES
from aitrain_local.settings import LaunchSettings


def test_replicas_default_to_one_each_and_take_the_named_counts():
    settings = LaunchSettings.of({"AITRAIN_REPLICAS": "trainer=2, inference=3"})
    assert settings.replica_counts(SERVICES) == {
        "dataset": 1,
        "billing": 1,
        "trainer": 2,
        "inference": 3,
        "gateway": 1,
    }


@pytest.mark.parametrize(
    ("replicas", "says"),
    [
        ("trainr=2", "'trainr=2' is not <service>=<count>"),
        ("trainer=0", "'trainer=0' is not <service>=<count>"),
        ("trainer", "'trainer' is not <service>=<count>"),
        ("gateway=2", "the gateway runs once"),
    ],
)
def test_a_wrong_replica_setting_says_what_to_fix(replicas, says):
    with pytest.raises(ValueError, match=says):
        LaunchSettings.of({"AITRAIN_REPLICAS": replicas}).replica_counts(SERVICES)


def test_a_cluster_replicates_streams_on_every_node_unless_told_otherwise():
    assert LaunchSettings.of({}).topology().replicas == 1
    assert LaunchSettings.of({"AITRAIN_NATS_NODES": "3"}).topology().replicas == 3
    given = {"AITRAIN_NATS_NODES": "3", "AITRAIN_STREAM_REPLICAS": "1"}
    assert LaunchSettings.of(given).topology().replicas == 1


@pytest.mark.parametrize("nodes", ["2", "0"])
def test_a_cluster_needs_an_odd_number_of_nodes(nodes):
    with pytest.raises(ValidationError, match="1, 3 or 5"):
        LaunchSettings.of({"AITRAIN_NATS_NODES": nodes})
