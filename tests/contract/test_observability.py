"""Every metric the Grafana dashboard and the Prometheus alert rules in deploy/ use is one
the services export (contracts/metrics.py), with the suffixes its type gives it."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from contracts import metrics  # noqa: F401  (registers the metrics)

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}
NAME = re.compile(r"\baitrain_[a-z_]+\b")
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def exported() -> set[str]:
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        if family.name.startswith("aitrain_")
        for suffix in SUFFIXES[family.type]
    }


def dashboard_expressions() -> list[str]:
    panels = json.loads((DEPLOY / "grafana" / "aitrain.json").read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def rule_expressions() -> list[str]:
    groups = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def used(expressions: list[str]) -> set[str]:
    return {name for expr in expressions for name in NAME.findall(expr)}


def test_the_dashboard_uses_only_exported_metrics():
    names = used(dashboard_expressions())
    assert len(names) >= 8  # the check reads the expressions (not an empty file)
    assert names - exported() == set()


def test_the_alert_rules_use_only_exported_metrics():
    names = used(rule_expressions())
    assert {"aitrain_events_total", "aitrain_consumer_pending"} <= names
    assert names - exported() == set()


def test_a_misspelt_metric_would_be_caught():
    assert used(["rate(aitrain_event_total[5m])"]) - exported() == {"aitrain_event_total"}


def test_promtool_accepts_the_alert_rules():
    """`make test` installs promtool (Debian's prometheus package)."""
    checked = subprocess.run(
        [PROMTOOL, "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 5 rules found" in checked.stdout
