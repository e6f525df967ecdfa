"""The HTML report in a real browser: headless Chromium loads it with no console message
and draws something (a screenshot that is not one flat colour).

Both checks are shown to fail where they should: a page with a script error gives a console
line, and a blank page gives a blank screenshot. Skips where no `chromium` is installed
(Debian: `apt-get install -y chromium`). The PNG is decoded with zlib and numpy (no Pillow).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from reasonlint.report.html import render_html
from tests.conftest import REPO
from tests.report.scored import run_report, sample_scores


def _chromium() -> str | None:
    for candidate in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH or at /usr/bin/chromium "
                                                         "(Debian: apt-get install -y chromium)")


def screenshot(page: Path, png: Path, profile: Path, size: str = "1280,2000") -> list[str]:
    """Load `page` headless, write a screenshot to `png`, and return the console lines it logged."""
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", f"--screenshot={png}",
               f"--window-size={size}", page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert png.is_file(), result.stderr[-2000:]
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def png_pixels(path: Path) -> np.ndarray:
    """An 8-bit RGB or RGBA PNG as a (height, width, channels) array."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, [], b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        offset += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
    channels = 3 if color == 2 else 4
    stride = width * channels
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8).reshape(height, stride + 1)
    pixels = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if kind == 0:
            row = line
        elif kind == 2:  # Up
            row = line + previous
        elif kind == 1:  # Sub: a running sum per channel
            row = np.cumsum(line.reshape(width, channels), axis=0).reshape(stride)
        else:  # Average and Paeth depend on the byte to the left: byte by byte
            row = _unfilter(kind, line.tolist(), previous.tolist(), channels)
        previous = (np.asarray(row) % 256).astype(np.uint8)
        pixels[y] = previous
    return pixels.reshape(height, width, channels)


def _unfilter(kind: int, line: list[int], above: list[int], bpp: int) -> np.ndarray:
    out = [0] * len(line)
    for x, value in enumerate(line):
        left = out[x - bpp] if x >= bpp else 0
        up = above[x]
        if kind == 3:
            out[x] = (value + (left + up) // 2) % 256
            continue
        corner = above[x - bpp] if x >= bpp else 0
        estimate = left + up - corner
        distances = (abs(estimate - left), abs(estimate - up), abs(estimate - corner))
        best = left if distances[0] <= distances[1] and distances[0] <= distances[2] else (
            up if distances[1] <= distances[2] else corner)
        out[x] = (value + best) % 256
    return np.array(out)


def drawn_share(pixels: np.ndarray) -> float:
    """The share of pixels that differ from the most common colour (the background)."""
    flat = pixels[..., :3].reshape(-1, 3).astype(np.uint32)
    packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    return 1.0 - counts.max() / packed.size


@pytest.fixture(scope="module")
def browser_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser")


def test_report_loads_without_console_messages_and_is_drawn(browser_dir: Path) -> None:
    page = browser_dir / "report.html"
    page.write_text(render_html(run_report(REPO / "fixtures" / "datasets" / "demo", sample_scores())),
                    encoding="utf-8")
    console = screenshot(page, browser_dir / "report.png", browser_dir / "profile")
    assert console == []
    pixels = png_pixels(browser_dir / "report.png")
    assert pixels.shape[:2] == (2000, 1280)
    assert drawn_share(pixels) > 0.2  # a dark header, score cards, charts and rows on a light page
    assert len(np.unique(pixels[..., :3].reshape(-1, 3), axis=0)) > 50


def test_console_check_catches_a_script_error(browser_dir: Path) -> None:
    page = browser_dir / "broken.html"
    page.write_text("<!DOCTYPE html><p>text</p><script>notDefined();</script>", encoding="utf-8")
    console = screenshot(page, browser_dir / "broken.png", browser_dir / "profile", size="400,300")
    assert any("Uncaught ReferenceError" in line for line in console), console


def test_blank_check_catches_a_blank_page(browser_dir: Path) -> None:
    page = browser_dir / "blank.html"
    page.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    screenshot(page, browser_dir / "blank.png", browser_dir / "profile", size="400,300")
    assert drawn_share(png_pixels(browser_dir / "blank.png")) == 0.0
