"""`aitrain check FOLDER --type object --keyword zxq`: the photo report and the price before
paying. Exit code 0 when the training could start as it is, 1 when something must change."""

from pathlib import Path

from rich.console import Console

from aitrain_client.api import Client

console = Console()


def price_words(price: dict) -> str:
    if price["uses_free_training"]:
        return "free: this uses your free training"
    have = f"you have {price['balance']:,}"
    enough = "" if price["covered"] else " — not enough: add credits or choose a plan first"
    return f"{price['credits']:,} credits ({have}){enough}"


def check(client: Client, args, show_report) -> int:
    answer = client.check(Path(args.folder), args.type, args.keyword)
    show_report(answer["report"])
    keyword = answer["keyword"]
    if keyword["problem"]:
        console.print(f"[red]keyword:[/] {keyword['problem']}")
    for warning in keyword["warnings"]:
        console.print(f"[yellow]keyword:[/] {warning}")
    console.print(f"price: {price_words(answer['price'])}")
    console.print(
        f"nothing was charged; these photos are deleted after {answer['photos_deleted_after']}"
    )
    if answer["ready"]:
        console.print(f"[green]ready:[/] aitrain train {args.folder} --type {args.type} "
                      f"--keyword {args.keyword}")  # fmt: skip
        return 0
    return 1


def add_check(commands, show_report) -> None:
    c = commands.add_parser("check", help="check photos and see the price, before paying")
    c.add_argument("folder")
    c.add_argument("--type", choices=("character", "style", "object"), required=True)
    c.add_argument("--keyword", required=True)
    c.set_defaults(run=lambda client, args: check(client, args, show_report))
