"""Headless Chromium for checking HTML reports as a reader's browser renders them.

The report tests and the report benchmark load pages in the real browser (Debian's
``chromium``; ``scripts/setup.sh`` installs it where apt is available), never over the network:
every background service of the browser is switched off and the page is a local file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
PROBE = "securecli-probe"


def chromium() -> str | None:
    """The Chromium executable on PATH (``chromium``, ``chromium-browser``, ``google-chrome``), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(page: Path, *flags: str, window: tuple[int, int], timeout: float, fragment: str = "") -> str:
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="securecli-chromium-") as profile:
        proc = subprocess.run(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={window[0]},{window[1]}",
                *flags,
                page.resolve().as_uri() + fragment,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "HOME": profile},
        )
    if proc.returncode != 0:
        raise RuntimeError(f"chromium exited with {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def dump_dom(
    page: Path, window: tuple[int, int] = (1440, 900), timeout: float = 60, fragment: str = ""
) -> str:
    """The page's DOM after it loaded and its scripts ran, serialised as HTML (``fragment``: ``#...``)."""
    return _run(page, "--dump-dom", window=window, timeout=timeout, fragment=fragment)


def screenshot(page: Path, png: Path, window: tuple[int, int] = (1440, 900), timeout: float = 60) -> None:
    """A PNG of the first ``window`` of the page."""
    _run(page, f"--screenshot={png.resolve()}", window=window, timeout=timeout)


def probe(html: str, expression: str, window: tuple[int, int] = (1440, 900), timeout: float = 60):
    """Evaluate a JavaScript ``expression`` in ``html`` after it loaded; return its JSON value.

    The expression runs from a script added at the end of the page (for layout and timing
    questions that a DOM dump cannot answer); the page itself is not otherwise changed.
    """
    script = (
        f"<script>window.addEventListener('load', function () {{ var out = document.createElement('pre');"
        f" out.id = '{PROBE}'; out.textContent = JSON.stringify({expression});"
        f" document.body.appendChild(out); }});</script>"
    )
    with tempfile.TemporaryDirectory(prefix="securecli-probe-") as folder:
        page = Path(folder) / "page.html"
        page.write_text(html.replace("</body>", script + "</body>", 1), encoding="utf-8")
        dom = dump_dom(page, window, timeout)
    start = dom.find(f'id="{PROBE}">')
    if start < 0:
        raise RuntimeError("the probe did not run: the page has no </body> or its scripts failed")
    text = dom[start + len(f'id="{PROBE}">') : dom.index("</pre>", start)]
    return json.loads(
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )
