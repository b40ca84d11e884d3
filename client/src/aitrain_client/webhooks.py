"""`aitrain webhooks list | add URL --events … | test ID | log ID | enable ID | disable ID |
delete ID`: the account's webhook endpoints. `add` prints the signing secret, the only
time it is shown."""

from rich.console import Console
from rich.table import Table

from aitrain_client.api import Client

console = Console()


def _list(client: Client, args) -> int:
    listed = client.webhooks()
    table = Table("id", "url", "events", "state")
    for e in listed["endpoints"]:
        state = "active" if e["enabled"] else f"[red]disabled[/]: {e['disabled_reason']}"
        table.add_row(e["endpoint_id"], e["url"], ", ".join(e["events"]), state)
    console.print(table if listed["endpoints"] else "no webhook endpoints")
    return 0


def _add(client: Client, args) -> int:
    made = client.add_webhook(args.url, args.events, args.description)
    console.print(f"endpoint {made['endpoint_id']} for {', '.join(made['events'])}")
    console.print(f"signing secret (shown only now): [bold]{made['secret']}[/]")
    return 0


def _test(client: Client, args) -> int:
    sent = client.test_webhook(args.endpoint_id)
    console.print(f"test event {sent['delivery_id']} on its way; see `aitrain webhooks log`")
    return 0


def _log(client: Client, args) -> int:
    """One line a message, newest first: when, what, its state, each attempt's answer."""
    deliveries = client.webhook_deliveries(args.endpoint_id)
    for d in deliveries:
        answers = " → ".join(str(a["status_code"] or a["error"]) for a in d["attempts"])
        sent = d["created_at"][:19].replace("T", " ")
        console.print(f"{sent}  {d['type']:<20}  {d['state']:<9}  {answers or '-'}", soft_wrap=True)
    if not deliveries:
        console.print("nothing sent yet")
    return 0


def _switch(enabled: bool):
    def run(client: Client, args) -> int:
        changed = client.change_webhook(args.endpoint_id, enabled=enabled)
        console.print(f"{changed['endpoint_id']}: {'active' if changed['enabled'] else 'disabled'}")
        return 0

    return run


def _delete(client: Client, args) -> int:
    client.delete_webhook(args.endpoint_id)
    console.print(f"deleted {args.endpoint_id} and its delivery log")
    return 0


def add_webhooks(commands) -> None:
    w = commands.add_parser("webhooks", help="your webhook endpoints, their log, a test event")
    actions = w.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="your endpoints").set_defaults(run=_list)
    a = actions.add_parser("add", help="a new endpoint (prints its signing secret once)")
    a.add_argument("url")
    a.add_argument("--events", nargs="+", required=True, help="e.g. training.completed")
    a.add_argument("--description", default="")
    a.set_defaults(run=_add)
    for name, run, text in (
        ("test", _test, "send a test event"),
        ("log", _log, "the deliveries, with each attempt's answer"),
        ("enable", _switch(True), "enable again (after the platform disabled it)"),
        ("disable", _switch(False), "stop sending to it"),
        ("delete", _delete, "delete it and its log"),
    ):
        one = actions.add_parser(name, help=text)
        one.add_argument("endpoint_id")
        one.set_defaults(run=run)
