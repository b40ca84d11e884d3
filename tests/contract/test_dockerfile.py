"""deploy/Dockerfile builds images anyone can build: every dependency pinned by
constraints.txt and found on public indexes, a non-root user with somewhere to write."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text()


def instructions(keyword: str) -> list[str]:
    return re.findall(rf"^{keyword} (.+)$", DOCKERFILE, flags=re.MULTILINE)


def test_every_install_is_held_to_the_constraints():
    installs = [run for run in instructions("RUN") if "pip install" in run]
    assert installs and all("-c constraints.txt" in run for run in installs), installs


def test_no_pin_names_a_build_found_only_on_one_machine():
    """A local version label (e.g. torch 2.13.0+cpu) exists only on the index that built it:
    the pin stays public (`==2.13.0`) and TORCH_INDEX chooses the build."""
    pins = [line for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line]
    assert [pin for pin in pins if "+" in pin or "@" in pin] == []
    assert "torch==" in "\n".join(pins)
    [index] = [arg for arg in instructions("ARG") if arg.startswith("TORCH_INDEX=")]
    assert index == "TORCH_INDEX=https://download.pytorch.org/whl/cpu"
    assert any('--extra-index-url "$TORCH_INDEX"' in run for run in instructions("RUN"))


def test_the_non_root_user_owns_the_model_cache():
    [user] = instructions("USER")
    assert user != "root" and user != "0"
    hf_home = re.search(r"HF_HOME=(\S+)", DOCKERFILE).group(1)
    owned = [run for run in instructions("RUN") if f"chown -R {user}:{user}" in run]
    assert owned, "nothing is given to the image's user"
    cache_root = owned[0].split()[-1]
    assert hf_home.startswith(cache_root + "/"), (hf_home, cache_root)
    assert DOCKERFILE.index("chown") < DOCKERFILE.index(f"USER {user}")
