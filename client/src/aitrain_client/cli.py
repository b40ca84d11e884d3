"""`aitrain`: train a model on a folder of photos, generate with it, list models, show credits.

    aitrain check ./photos --type character --keyword customalicemodel   (report and price)
    aitrain train ./photos --type character --keyword customalicemodel
    aitrain cancel TRAINING_ID   (says what comes back, asks, then stops the training)
    aitrain generate --model MODEL_ID "customalicemodel on a beach" --ratio 16:9 -n 4
    aitrain generate --model ALICE_ID --model INK_ID:0.7 "customalicemodel, inkwashstyle"
    aitrain models | credits | delete-model MODEL_ID [--version N]
    aitrain retrain MODEL_ID ./more-photos   (its next version, same keyword; the old kept)
    aitrain versions MODEL_ID | compare MODEL_ID "customalicemodel in snow" (each version)
    aitrain generate --model MODEL_ID@1 "customalicemodel on a beach"   (its version 1)
    aitrain download MODEL_ID --format kohya -o alice.safetensors   (the LoRA, for ComfyUI)
    aitrain webhooks add https://you/hook --events training.completed   (prints the secret)
    aitrain webhooks list | test ID | log ID | enable ID | disable ID | delete ID
    aitrain plan pro        (buy a paid plan: a checkout)  |  aitrain plan free
    aitrain paid CHECKOUT_ID --reference INV-7   (the operator confirms a payment)
    aitrain admin dlq list | show ID | replay ID | drop ID   (the operator's dead letters)

Reads AITRAIN_URL (default http://127.0.0.1:8080) and AITRAIN_API_KEY (`make run` prints
the demo account's); `paid` and `admin` read AITRAIN_ADMIN_TOKEN instead. Every refusal is
printed with the platform's reason and exit code 1.
"""

import argparse
import os
import sys
from pathlib import Path

import httpx
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from aitrain_client import cancels, checks, downloads, operators, versions, webhooks
from aitrain_client.api import AitrainError, Client

console = Console()
OPERATOR_COMMANDS = ("paid", "admin")
"""Commands that take the admin token, not an account's key."""
RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "21:9")
STYLES = ("none", "cinematic", "photographic", "anime", "illustration", "3d-render")


def show_report(report: dict | None) -> None:
    """The dataset check: one row per finding, and a line for a clean set."""
    if not report:
        return
    table = Table("image", "", "what to do", title="Your photos", show_lines=False)
    for image in report.get("images", []):
        for finding in image.get("findings", []):
            mark = "[red]error" if finding["severity"] == "error" else "[yellow]warning"
            table.add_row(image["name"], mark, finding["message"])
    for finding in report.get("findings", []):
        mark = "[red]error" if finding["severity"] == "error" else "[yellow]warning"
        table.add_row("(the set)", mark, finding["message"])
    if table.row_count:
        console.print(table)
    else:
        console.print(f"[green]All {len(report.get('images', []))} photos look good.")


def follow_training(client: Client, training_id: str) -> dict:
    """Status lines until training starts, then a progress bar; returns the last view."""
    view: dict = {}
    reported = False
    columns = (
        TextColumn("training"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps · loss {task.fields[loss]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        bar = None
        for view in client.follow("trainings", training_id):
            if view.get("report") and not reported:
                reported = True
                show_report(view["report"])
            status, step = view["status"], view.get("progress") or {}
            if step and bar is None:
                bar = progress.add_task("train", total=step["total_steps"], loss="-")
            if bar is not None and step:
                loss = f"{step['loss']:.4f}" if step.get("loss") is not None else "-"
                progress.update(bar, completed=step["step"], loss=loss)
            elif bar is None:
                progress.console.print(f"status: {status}{queue_words(view.get('queue'))}")
    return view


def train(client: Client, args) -> int:
    answer = client.train(
        Path(args.folder),
        args.type,
        args.keyword,
        rank=args.rank,
        learning_rate=args.learning_rate,
        steps=args.steps,
        base=args.base,
    )
    console.print(f"training [bold]{answer['training_id']}[/] accepted: checking your photos")
    for warning in answer.get("warnings", []):
        console.print(f"[yellow]warning:[/] {warning}")
    view = follow_training(client, answer["training_id"])
    if view.get("status") != "completed":
        console.print(f"[red]{view.get('status')}:[/] {view.get('reason') or ''}")
        return 1
    console.print(f"[green]model ready:[/] {view['model_id']} (keyword {view['keyword']})")
    return 0


def queue_words(queue: dict | None) -> str:
    """A waiting training's place in the trainers' queue, as the dashboard says it."""
    if not queue:
        return ""
    words = f" · {queue['place']} in line"
    if queue.get("starts_in_s") is not None:
        words += f", starts in about {max(1, round(queue['starts_in_s'] / 60))} min"
    return words


def follow_generation(client: Client, generation_id: str) -> dict:
    """A spinner naming the status until the generation ends; returns the last view."""
    view: dict = {}
    with console.status("waiting for payment…") as status:
        for view in client.follow("generations", generation_id):
            status.update(f"{view['status'].replace('_', ' ')}…")
    return view


def model_weight(text: str) -> tuple[str, float, int | None]:
    """`MODEL_ID[@VERSION][:WEIGHT]` (e.g. mdl_2:0.7, or mdl_2@1:0.7 for its version 1)."""
    named, _, weight = text.partition(":")
    model_id, _, version = named.partition("@")
    try:
        return model_id, float(weight) if weight else 1.0, int(version) if version else None
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write MODEL_ID, MODEL_ID:WEIGHT or MODEL_ID@VERSION:WEIGHT"
        ) from None


def generate(client: Client, args) -> int:
    one = len(args.model) == 1 and args.model[0][1] == 1.0
    answer = client.generate(
        args.model[0][0] if one else args.model,
        args.prompt,
        version=args.model[0][2] if one else None,
        aspect_ratio=args.ratio,
        resolution=args.resolution,
        num_outputs=args.n,
        style=args.style,
        seed=args.seed,
        negative_prompt=args.negative,
    )
    view = follow_generation(client, answer["generation_id"])
    if view.get("status") != "completed":
        console.print(f"[red]{view.get('status')}:[/] {view.get('reason') or ''}")
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(view["images"]):
        name = f"{answer['generation_id']}-{index}.png"
        path = client.download(image["url"], out / name)
        console.print(f"{path}  {image['width']}x{image['height']}  seed {image['seed']}")
    for stopped in view.get("withheld") or []:
        console.print(f"[yellow]withheld[/]  seed {stopped['seed']}: {stopped['reason']}")
    console.print(f"{view['credits']} credits")
    return 0


def models(client: Client, args) -> int:
    table = Table("model_id", "keyword", "type", "base", "created", "quality")
    for model in client.models():
        table.add_row(
            model["model_id"],
            model["keyword"],
            model["type"],
            model.get("base") or "",
            model["created_at"],
            quality_words(model.get("quality")),
        )
    console.print(table)
    return 0


def bases(client: Client, args) -> int:
    """The base models this platform trains on; the first is the default."""
    table = Table("base", "name", "family", "side", "training")
    for base in client.training_options()["bases"]:
        label = escape(base["label"])  # "FLUX.1 [dev]" is not markup
        price = base.get("training_credits")  # None: the usual price
        price = "usual price" if price is None else f"{price} credits"
        side = str(base["resolution"] or "")
        table.add_row(base["name"], label, base["family"], side, price)
    console.print(table)
    return 0


def quality_words(quality: dict | None) -> str:
    """What the trainer measured, as the dashboard says it."""
    if not quality:
        return "not measured"
    learned = f"learned: {quality['learned_verdict']} {round(quality['learned'] * 100)} %"
    return f"{learned} · drift: {quality['drift_verdict']} {quality['drift']:.3f}"


def credits(client: Client, args) -> int:
    show_ledger(client, args.limit)
    return 0


def show_ledger(client: Client, limit: int) -> None:
    account = client.account()
    console.print(
        f"plan [bold]{account['plan']}[/] · [bold]{account['credits']}[/] credits · "
        f"{account['free_trainings']} free training(s)"
    )
    table = Table("time", "what", "credits", "balance")
    for entry in client.ledger(limit):
        table.add_row(
            entry["time"][:19], entry["description"], f"{entry['amount']:+d}",
            str(entry["balance_after"]),
        )  # fmt: skip
    console.print(table)


def plan(client: Client, args) -> int:
    if args.plan == "free":
        console.print(f"plan [bold]{client.end_plan()['plan']}[/]")
        return 0
    checkout = client.checkout(args.plan)
    console.print(
        f"checkout [bold]{checkout['checkout_id']}[/] for {args.plan}: {checkout['next_step']}"
    )
    if checkout["pay_url"]:
        console.print(f"pay at {checkout['pay_url']}")
    return 0


def paid(client: Client, args) -> int:
    checkout = client.confirm_paid(args.checkout_id, args.reference)
    console.print(
        f"checkout {checkout['checkout_id']} paid: "
        f"{checkout['account_id']} is on {checkout['plan']}"
    )
    return 0


def delete_model(client: Client, args) -> int:
    answer = client.delete_model(args.model_id, args.version)
    which = ", ".join(f"v{n}" for n in answer["versions"])
    console.print(f"deleted {args.model_id} {which} (no refund: its trainings stay paid for)")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="aitrain", description=__doc__.split("\n")[0])
    commands = root.add_subparsers(dest="command", required=True)
    t = commands.add_parser("train", help="train a model on a folder of 15-25 photos")
    t.add_argument("folder")
    t.add_argument("--type", choices=("character", "style", "object"), required=True)
    t.add_argument("--keyword", required=True)
    t.add_argument("--rank", type=int)
    t.add_argument("--learning-rate", type=float)
    t.add_argument("--steps", type=int)
    t.add_argument("--base", help="the base model to train on (see `aitrain bases`)")
    t.set_defaults(run=train)
    commands.add_parser("bases", help="the base models you can train on").set_defaults(run=bases)
    checks.add_check(commands, show_report)
    g = commands.add_parser("generate", help="images from a prompt with your model's keyword")
    g.add_argument("prompt")
    g.add_argument(
        "--model",
        required=True,
        action="append",
        type=model_weight,
        help="MODEL_ID[@VERSION][:WEIGHT]; up to three --model in one image",
    )
    g.add_argument("--ratio", choices=RATIOS, default="1:1")
    g.add_argument("--resolution", choices=("720p", "1080p"), default="720p")
    g.add_argument("-n", type=int, default=1, help="1 to 4 images, 5 credits each")
    g.add_argument("--style", choices=STYLES, default="none")
    g.add_argument("--seed", type=int)
    g.add_argument("--negative")
    g.add_argument("--out", default="out")
    g.set_defaults(run=generate)
    commands.add_parser("models", help="your ready models").set_defaults(run=models)
    c = commands.add_parser("credits", help="your plan, credits and ledger")
    c.add_argument("--limit", type=int, default=20)
    c.set_defaults(run=credits)
    p = commands.add_parser("plan", help="buy a paid plan (a checkout), or go back to free")
    p.add_argument("plan", choices=("free", "standard", "pro", "unlimited"))
    p.set_defaults(run=plan)
    o = commands.add_parser("paid", help="operator: a checkout's payment was received")
    o.add_argument("checkout_id")
    o.add_argument("--reference", default="confirmed by the operator", help="e.g. invoice no.")
    o.set_defaults(run=paid)
    d = commands.add_parser("delete-model", help="delete a model for good (no refund)")
    d.add_argument("model_id")
    d.add_argument("--version", type=int, help="only this version (default: every version)")
    d.set_defaults(run=delete_model)
    versions.add_versions(commands, follow_training, quality_words, RATIOS, STYLES)
    downloads.add_download(commands)
    cancels.add_cancel(commands)
    webhooks.add_webhooks(commands)
    operators.add_admin(commands)
    return root


def main(argv: list[str] | None = None, client: Client | None = None) -> int:
    args = parser().parse_args(argv)
    needs = "AITRAIN_ADMIN_TOKEN" if args.command in OPERATOR_COMMANDS else "AITRAIN_API_KEY"
    key = os.environ.get(needs)
    if client is None and not key:
        console.print(f"[red]set {needs}[/] (`make run` prints the demo account's key)")
        return 2
    client = client or Client(os.environ.get("AITRAIN_URL", "http://127.0.0.1:8080"), key)
    try:
        return args.run(client, args)
    except AitrainError as error:
        console.print(f"[red]error:[/] {error}")
        return 1
    except httpx.TransportError as error:
        url = os.environ.get("AITRAIN_URL", "http://127.0.0.1:8080")
        console.print(
            f"[red]error:[/] cannot reach the platform at {url} ({error}); is it running?"
        )
        return 1
    except OSError as error:  # a folder or file that is not there
        console.print(f"[red]error:[/] {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
