"""`aitrain admin dlq list|show ID|replay ID|drop ID`: the operator's dead letters (events a
service gave up on), with the admin token (AITRAIN_ADMIN_TOKEN)."""

import argparse
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aitrain_client.api import Client

console = Console()


def dlq_list(client: Client, args) -> int:
    letters = client.dead_letters(args.limit)
    if not letters:
        console.print("no dead letters")
        return 0
    table = Table("id", "consumer", "event", "tries", "failed at", "reason")
    for letter in letters:
        event = " ".join(filter(None, (letter["event_type"], letter["event_id"])))
        cells = (
            letter["id"], letter["consumer"], event or "(unreadable)", letter["deliveries"],
            letter["failed_at"][:19], letter["reason"],
        )  # fmt: skip
        table.add_row(*(escape(str(cell)) for cell in cells))  # reasons hold [brackets]
    console.print(table)
    return 0


def dlq_show(client: Client, args) -> int:
    letter = client.dead_letter(args.id)
    fields = ("id", "consumer", "subject", "event_type", "event_id", "deliveries", "failed_at")
    for name in (*fields, "reason"):
        console.print(f"[bold]{name}:[/] {escape(str(letter[name]))}")
    try:
        payload = json.dumps(json.loads(letter["payload"]), indent=2)
    except ValueError:
        payload = letter["payload"]
    console.print("[bold]payload:[/]")
    console.print(payload, markup=False, highlight=False)
    return 0


def dlq_replay(client: Client, args) -> int:
    """Exit 0 when handled (or still running), 1 when it failed again."""
    answer = client.replay_dead_letter(args.id)
    outcome = answer["outcome"]
    color = {"handled": "green", "running": "cyan"}.get(outcome, "red")
    console.print(f"letter {args.id}: [{color}]{outcome}[/]")
    if answer.get("reason"):
        console.print(f"reason: {answer['reason']}", markup=False)
    console.print(answer["next_step"])
    return 0 if outcome in ("handled", "running") else 1


def dlq_drop(client: Client, args) -> int:
    client.drop_dead_letter(args.id)
    console.print(f"dropped letter {args.id}")
    return 0


def add_admin(commands) -> None:
    """The `admin` command and its tools, under the root parser's `commands`."""
    admin = commands.add_parser("admin", help="operator tools (reads AITRAIN_ADMIN_TOKEN)")
    tools = admin.add_subparsers(dest="tool", required=True)
    dlq = tools.add_parser("dlq", help="dead letters: events a service gave up on")
    actions = dlq.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the newest dead letters")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=dlq_list)
    for name, run, purpose in (
        ("show", dlq_show, "one letter with its payload"),
        ("replay", dlq_replay, "the owning service handles it again"),
        ("drop", dlq_drop, "drop it for good"),
    ):
        action: argparse.ArgumentParser = actions.add_parser(name, help=purpose)
        action.add_argument("id", type=int, help="the letter's id (from list)")
        action.set_defaults(run=run)
