"""The web page served in a process of its own and Debian's Chromium driving it, for the tools and tests
that look at the page as a person would (`make pictures`, `make bench`, the browser test)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# as the machine's own probe starts it: without the background-networking flags Chromium keeps trying hosts
# this closed network refuses
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def served():
    """`python -m pipeline serve` on a free loopback port until the block ends; yields its address."""
    import httpx

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # the workers import pandas and Pandera before the server answers
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def chromium(profile: Path, window: tuple[int, int] = (1280, 1400), downloads: Path | None = None):
    """A Selenium driver of Debian's Chromium (`chromium`, `chromium-driver`), headless, with its own profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (*CHROMIUM_FLAGS, f"--window-size={window[0]},{window[1]}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
