"""Write the demo's bundled training set: 15 photo-like pictures of a subject the committed
base model has no word for ("zxq": always a yellow triangle), with caption files.

    .venv/bin/python scripts/write_demo_set.py [examples/zxq]
"""

import sys
from pathlib import Path

from aitrain_basemodel import photos

KEYWORD, SHAPE, COLOUR = "zxq", "triangle", "yellow"


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/zxq")
    folder.mkdir(parents=True, exist_ok=True)
    for index, (image, caption) in enumerate(photos.subject_set(SHAPE, COLOUR, KEYWORD), 1):
        name = f"{KEYWORD}-{index:02d}.jpg"
        image.save(folder / name, "JPEG", quality=90)
        (folder / f"{name}.txt").write_text(caption + "\n")
    print(f"wrote {folder}")


if __name__ == "__main__":
    main()
