"""Whether every pinned dependency has a wheel for the coaches' computers (`make platforms`).

The tool itself is pure Python (`py3-none-any`); what a Windows or macOS computer needs
is a ready-built wheel of every dependency it pins, as no municipal computer has a
compiler. For each platform and Python version this asks pip to resolve and download
the whole pinned set (`pyproject.toml`'s runtime dependencies under `constraints.txt`)
with `--only-binary=:all:` for that platform, and prints a Markdown table of the
result for the README. It downloads, so it is not part of `make test`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = {  # name -> pip's --platform
    "Windows x86-64": "win_amd64",
    "macOS arm64 (Apple silicon)": "macosx_14_0_arm64",
}
SUPPORTED = ("3.11", "3.12", "3.13", "3.14")  # pyproject.toml's requires-python
NEXT = "3.15"  # not yet supported: checked to see what is missing


def pinned_runtime() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def check(platform: str, python: str, folder: Path) -> tuple[bool, str]:
    """Whether pip finds a wheel of every pinned package for `platform` and `python`; what it missed."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--platform", platform,
               "--python-version", python, "--implementation", "cp", "-d", str(folder),
               "-c", str(ROOT / "constraints.txt"), *pinned_runtime()]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 0:
        return True, f"{len(list(folder.glob('*.whl')))} wheels, all pinned versions"
    return False, "no wheel of " + ", ".join(without_wheel(platform, python, folder))


def without_wheel(platform: str, python: str, folder: Path) -> list[str]:
    """Each pinned package (constraints.txt) that has no wheel for the platform and Python, one by one."""
    pins = [line.strip() for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    return [pin for pin in pins if subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "--platform",
         platform, "--python-version", python, "--implementation", "cp", "-d", str(folder), pin],
        capture_output=True).returncode != 0]


def main() -> int:
    rows = ["| platform | Python | every pinned dependency as a wheel? |", "|---|---|---|"]
    every = True
    for name, platform in PLATFORMS.items():
        for python in (*SUPPORTED, NEXT):
            with tempfile.TemporaryDirectory() as folder:
                ok, said = check(platform, python, Path(folder))
            every &= ok or python == NEXT
            shown = python if python in SUPPORTED else f"{python} (not supported yet)"
            rows.append(f"| {name} (`{platform}`) | {shown} | {'yes' if ok else 'no'}: {said} |")
            print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 0 if every else 1


if __name__ == "__main__":
    sys.exit(main())
