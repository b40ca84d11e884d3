"""`aitrain download MODEL_ID [--format diffusers|kohya] [--version N] [-o FILE]`: the
model's LoRA as a safetensors file, through the presigned link the gateway answers (no API
key sent with it)."""

from pathlib import Path

from rich.console import Console

from aitrain_client.api import AitrainError, Client

console = Console()
FORMATS = {
    "diffusers": "for diffusers' load_lora_weights",
    "kohya": "for ComfyUI (models/loras) and AUTOMATIC1111 (models/Lora)",
}


def download(client: Client, args) -> int:
    link = client.weights_link(args.model_id, args.format, args.version)
    path = Path(args.out or link["file_name"])
    if path.is_dir():
        path = path / link["file_name"]
    size = save(client, link["url"], path)
    # soft_wrap: a long path stays on one line, whole, for whoever copies it
    console.print(
        f"{path}  {size / 1e6:.1f} MB  {link['format']} ({FORMATS[link['format']]})",
        soft_wrap=True,
    )
    return 0


def save(client: Client, url: str, path: Path) -> int:
    """Stream the file to `path` (a LoRA can be hundreds of MB); nothing is left of a failed
    download."""
    partial = path.with_name(path.name + ".part")
    try:
        with client.downloads.stream("GET", url) as response:
            if response.status_code >= 400:
                raise AitrainError(response.status_code, f"could not download {path.name}")
            with partial.open("wb") as file:
                for chunk in response.iter_bytes():
                    file.write(chunk)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size


def add_download(commands) -> None:
    d = commands.add_parser("download", help="save a model's LoRA as a .safetensors file")
    d.add_argument("model_id")
    d.add_argument("--format", choices=tuple(FORMATS), default="diffusers",
                   help="diffusers, or kohya for ComfyUI and AUTOMATIC1111")  # fmt: skip
    d.add_argument("--version", type=int, help="one version (default: the latest)")
    d.add_argument("-o", "--out", help="the file (or a folder) to write; default: the file's name")
    d.set_defaults(run=download)
