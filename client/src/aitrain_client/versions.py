"""A model's versions from the command line:

- `aitrain retrain MODEL_ID FOLDER`: train the model's next version (same keyword) on a
  folder of photos, the earlier versions kept;
- `aitrain versions MODEL_ID`: list them;
- `aitrain compare MODEL_ID PROMPT`: the same prompt and seed on each version, the images
  saved side by side as `<model>-v<N>-<i>.png`.
"""

from pathlib import Path

from rich.console import Console
from rich.table import Table

from aitrain_client.api import Client

console = Console()


def retrain(client: Client, args, follow_training) -> int:
    answer = client.train(
        Path(args.folder),
        None,
        None,
        version_of=args.model_id,
        rank=args.rank,
        learning_rate=args.learning_rate,
        steps=args.steps,
    )
    console.print(
        f"training [bold]{answer['training_id']}[/] of a new version of {args.model_id} "
        "accepted: checking your photos"
    )
    view = follow_training(client, answer["training_id"])
    if view.get("status") != "completed":
        console.print(f"[red]{view.get('status')}:[/] {view.get('reason') or ''}")
        return 1
    model = client.model(args.model_id)
    console.print(f"[green]version {model['version']} ready[/] of {model['model_id']}")
    return 0


def versions(client: Client, args, quality_words) -> int:
    model = client.model(args.model_id)
    console.print(f"{model['model_id']} · keyword [bold]{model['keyword']}[/] · {model['type']}")
    table = Table("version", "version's id", "trained", "quality", "training")
    for version in model["versions"]:
        table.add_row(
            str(version["version"]),
            version["model_id"],
            version["created_at"][:19],
            quality_words(version.get("quality")),
            version["training_id"],
        )
    console.print(table)
    return 0


def compare(client: Client, args) -> int:
    answer = client.compare(
        args.model_id,
        args.prompt,
        args.versions,
        seed=args.seed,
        num_outputs=args.n,
        aspect_ratio=args.ratio,
        style=args.style,
    )
    console.print(f"seed {answer['seed']} · {answer['credits']} credits")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for asked in answer["generations"]:
        with console.status(f"version {asked['version']}…"):
            view = client.wait("generations", asked["generation_id"])
        if view.get("status") != "completed":
            console.print(f"[red]version {asked['version']}: {view.get('status')}[/]")
            failed += 1
            continue
        for index, image in enumerate(view["images"]):
            name = f"{answer['model_id']}-v{asked['version']}-{index}.png"
            path = client.download(image["url"], out / name)
            console.print(f"version {asked['version']}: {path}  seed {image['seed']}")
    return 1 if failed else 0


def add_versions(commands, follow_training, quality_words, ratios, styles) -> None:
    r = commands.add_parser("retrain", help="train a model's next version on new photos")
    r.add_argument("model_id")
    r.add_argument("folder")
    r.add_argument("--rank", type=int)
    r.add_argument("--learning-rate", type=float)
    r.add_argument("--steps", type=int)
    r.set_defaults(run=lambda client, args: retrain(client, args, follow_training))
    v = commands.add_parser("versions", help="a model's versions")
    v.add_argument("model_id")
    v.set_defaults(run=lambda client, args: versions(client, args, quality_words))
    c = commands.add_parser("compare", help="one prompt and seed on each version of a model")
    c.add_argument("model_id")
    c.add_argument("prompt")
    c.add_argument("--versions", type=int, nargs="+", help="e.g. 1 3; default: the latest 4")
    c.add_argument("--seed", type=int)
    c.add_argument("-n", type=int, default=1, help="images per version, 5 credits each")
    c.add_argument("--ratio", choices=ratios, default="1:1")
    c.add_argument("--style", choices=styles, default="none")
    c.add_argument("--out", default="out")
    c.set_defaults(run=compare)
