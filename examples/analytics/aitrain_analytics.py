"""An analytics subscriber of aitrain's event bus, to copy: every event into DuckDB, and a report.

It reads only what the platform publishes (the event stream; docs/asyncapi describes every
event) with the bus user `reader`, never a service's database. Its own durable consumer
remembers where it stopped; each event is stored under its stream sequence number before it
is acknowledged, so a crash between the two redelivers events that are already stored and
they are skipped: no gaps, no duplicates.

    python aitrain_analytics.py collect [--db analytics.duckdb] [--until-idle]
    python aitrain_analytics.py report  [--db analytics.duckdb]

NATS_URL (default nats://127.0.0.1:4222), NATS_USER (default reader) and NATS_PASSWORD say
where and who; without a password it takes `reader`'s from `make run`'s .data/bus-users.json.
AITRAIN_BUS_PREFIX (default aitrain) names the stream: <PREFIX>_EVENTS.
"""

import argparse
import asyncio
import json
import os
from pathlib import Path

import duckdb
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

DURABLE = "analytics"
BATCH = 200

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq UBIGINT PRIMARY KEY,     -- the event stream's sequence number: one row per event
    subject VARCHAR NOT NULL,
    event_type VARCHAR NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    account_id VARCHAR,
    body JSON NOT NULL
)
"""


def store(db: duckdb.DuckDBPyConnection, rows: list[tuple[int, str, str]]) -> int:
    """Insert (seq, subject, body) rows in one transaction; rows already stored are skipped.
    Returns how many were new."""
    before = count(db)
    records = []
    for seq, subject, body in rows:
        event = json.loads(body)
        fields = (event["event_type"], event["occurred_at"], event.get("account_id"))
        records.append((seq, subject, *fields, body))
    db.execute("BEGIN")
    db.executemany("INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?)", records)
    db.execute("COMMIT")
    return count(db) - before


def count(db: duckdb.DuckDBPyConnection) -> int:
    return db.execute("SELECT count(*) FROM events").fetchone()[0]


async def collect(
    db_path: Path,
    url: str,
    user: str,
    password: str,
    prefix: str = "aitrain",
    until_idle: bool = False,
    after_store=None,
    ack_wait_s: float = 30.0,
) -> int:
    """Append every event to the database until stopped (or, with `until_idle`, until none
    is waiting). `after_store` runs between storing a batch and acknowledging it (tests
    crash there); an unacknowledged event comes again after `ack_wait_s`. Returns how many
    new events were stored."""
    db = duckdb.connect(str(db_path))
    db.execute(SCHEMA)
    stream = f"{prefix.upper()}_EVENTS"
    connection = await nats.connect(url, user=user or None, password=password or None)
    stored = 0
    try:
        js = connection.jetstream()
        config = ConsumerConfig(
            durable_name=DURABLE,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=ack_wait_s,
            max_ack_pending=BATCH * 4,
        )
        consumer = await js.pull_subscribe(f"{prefix}.>", DURABLE, stream=stream, config=config)
        while True:
            try:
                messages = await consumer.fetch(BATCH, timeout=1.0)
            except TimeoutError:  # nothing waiting (nats's and asyncio's are both TimeoutError)
                if until_idle:
                    return stored
                continue
            rows = [(m.metadata.sequence.stream, m.subject, m.data.decode()) for m in messages]
            stored += store(db, rows)
            if after_store:
                after_store(rows)
            for message in messages:
                await message.ack()
    finally:
        await connection.close()
        db.close()


REPORT = {
    "trainings per day, by type and outcome": """
        WITH uploads AS (
            SELECT body->>'training_id' AS training, body->>'training_type' AS type
            FROM events WHERE event_type = 'DatasetUploaded'
        ), outcomes AS (
            SELECT body->>'training_id' AS training, occurred_at,
                   CASE event_type WHEN 'TrainingCompleted' THEN 'completed'
                        WHEN 'TrainingFailed' THEN 'failed' ELSE 'rejected' END AS outcome
            FROM events
            WHERE event_type IN ('TrainingCompleted', 'TrainingFailed', 'DatasetRejected',
                                 'TrainingChargeRejected')
        )
        SELECT occurred_at::DATE AS day, type, outcome, count(*) AS trainings
        FROM outcomes JOIN uploads USING (training)
        GROUP BY ALL ORDER BY ALL""",
    "time from upload to model, seconds": """
        SELECT count(*) AS models,
               round(quantile_cont(seconds, 0.5), 1) AS p50,
               round(quantile_cont(seconds, 0.95), 1) AS p95
        FROM (
            SELECT epoch(done.occurred_at) - epoch(up.occurred_at) AS seconds
            FROM events up JOIN events done
              ON up.body->>'training_id' = done.body->>'training_id'
            WHERE up.event_type = 'DatasetUploaded' AND done.event_type = 'TrainingCompleted'
        )""",
    "generations and images per day": """
        SELECT occurred_at::DATE AS day, count(*) AS generations,
               sum(json_array_length(body->'images')) AS images
        FROM events WHERE event_type = 'ImageGenerated'
        GROUP BY ALL ORDER BY ALL""",
    "credits per day": """
        SELECT occurred_at::DATE AS day,
               sum(CASE event_type WHEN 'TrainingCharged' THEN (body->>'credits_charged')::INT
                                   WHEN 'CreditsDebited' THEN (body->>'credits_debited')::INT
                                   ELSE 0 END) AS charged,
               sum(CASE event_type WHEN 'TrainingRefunded' THEN (body->>'credits_refunded')::INT
                                   WHEN 'CreditsRefunded' THEN (body->>'credits_refunded')::INT
                                   ELSE 0 END) AS refunded
        FROM events
        WHERE event_type IN ('TrainingCharged', 'CreditsDebited', 'TrainingRefunded',
                             'CreditsRefunded')
        GROUP BY ALL ORDER BY ALL""",
    "failure reasons": """
        SELECT event_type, body->>'reason' AS reason, count(*) AS times
        FROM events
        WHERE event_type IN ('TrainingFailed', 'GenerationFailed', 'DatasetRejected',
                             'TrainingChargeRejected', 'CreditsDebitRejected')
        GROUP BY ALL ORDER BY times DESC, event_type, reason""",
}


def report(db_path: Path) -> dict[str, list[dict]]:
    """Each table of REPORT as a list of rows (column name -> value)."""
    db = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = {}
        for title, query in REPORT.items():
            cursor = db.execute(query)
            columns = [c[0] for c in cursor.description]
            tables[title] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return tables
    finally:
        db.close()


def print_report(tables: dict[str, list[dict]]) -> None:
    for title, rows in tables.items():
        print(f"\n{title}")
        if not rows:
            print("  (none)")
        for row in rows:
            print("  " + "  ".join(f"{k}={v}" for k, v in row.items()))


def reader_password() -> str:
    path = Path(os.environ.get("AITRAIN_DATA_DIR", ".data")) / "bus-users.json"
    return json.loads(path.read_text())["reader"] if path.exists() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["collect", "report"])
    parser.add_argument("--db", type=Path, default=Path("analytics.duckdb"))
    parser.add_argument("--until-idle", action="store_true", help="stop when none is waiting")
    args = parser.parse_args()
    if args.command == "report":
        print_report(report(args.db))
        return
    stored = asyncio.run(
        collect(
            args.db,
            os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
            os.environ.get("NATS_USER", "reader"),
            os.environ.get("NATS_PASSWORD") or reader_password(),
            os.environ.get("AITRAIN_BUS_PREFIX", "aitrain"),
            until_idle=args.until_idle,
        )
    )
    print(f"stored {stored} new events in {args.db}")


if __name__ == "__main__":
    main()
