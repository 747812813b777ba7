"""Browser-test helpers: a static site on 127.0.0.1, headless Debian Chromium, real-mouse drawing.

    with serve_static({"": REPO / "web", "model": fixture_dir}) as site, launch_chromium() as browser:
        with open_tab(browser, site.url) as tab:
            draw_strokes(tab.page, "#pad", [[(40, 40), (200, 220)]])
            assert tab.foreign_requests(site.url) == []

Why not tests/http_server.py: ES modules and WebAssembly need real Content-Type headers, the page
is served from two folders (the web/ sources and a model fixture mounted at /model/), and it should
be tested under the headers `make serve` sends (kakite/serve/static.py).
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

import numpy as np

from kakite.serve.static import make_handler

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass
class StaticSite:
    """A running server; ``served`` lists (path, status) of every request it answered."""

    url: str
    served: list[tuple[str, int]] = field(default_factory=list)


@contextlib.contextmanager
def serve_static(mounts: dict[str, Path], isolated: bool = True) -> Iterator[StaticSite]:
    """Serve folders on a free 127.0.0.1 port with kakite.serve.static's handler (that of `make serve`):
    URL prefix ("" = the root, "model" = /model/...) -> folder. isolated=False drops the security
    headers, as a plain static host would."""
    site = StaticSite(url="")
    handler = make_handler(mounts, lambda path, code: site.served.append((path, code)),
                           None if isolated else {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def require_chromium() -> None:
    """Fail with the fix in the message when Debian's Chromium is not installed."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is not installed (make system installs it)")


@contextlib.contextmanager
def launch_chromium() -> Iterator:
    """Headless Debian Chromium with a fresh profile; Playwright removes the profile on close."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """One page in its own browser context, with everything it asked for and every error it hit."""

    page: object
    requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_requests(self, origin: str) -> list[str]:
        """Requested URLs that are not on ``origin`` (data: and blob: URLs stay in the page)."""
        return [url for url in self.requests
                if not (url.startswith(origin + "/") or url.startswith(("data:", "blob:")))]


@contextlib.contextmanager
def open_tab(browser, url: str, locale: str = "en-US", viewport: tuple[int, int] = (1100, 760),
             **context_options) -> Iterator[Tab]:
    """Open url in a fresh context (own storage, given navigator.language) and record its traffic."""
    context = browser.new_context(locale=locale, viewport={"width": viewport[0], "height": viewport[1]},
                                  **context_options)
    tab = Tab(page=context.new_page())
    context.on("request", lambda request: tab.requests.append(request.url))
    tab.page.on("pageerror", lambda error: tab.page_errors.append(str(error)))
    tab.page.on("console", lambda msg: msg.type == "error" and tab.console_errors.append(msg.text))
    try:
        tab.page.goto(url)
        yield tab
    finally:
        context.close()


def draw_strokes(page, canvas_selector: str, strokes: Sequence[Sequence[tuple[float, float]]],
                 step: float = 12.0) -> None:
    """Draw polylines with the real mouse: down, a move every ``step`` CSS pixels along the line, up.

    Points are in the canvas's own pixel coordinates (its width/height attributes), mapped through
    its on-screen content box, so the test does not care how CSS sizes the canvas. Each event costs
    about a frame in headless Chromium, hence the coarse default step.
    """
    for points in _on_screen(page, canvas_selector, strokes, step):
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point)
        page.mouse.up()


def touch_strokes(page, canvas_selector: str, strokes: Sequence[Sequence[tuple[float, float]]],
                  step: float = 12.0) -> None:
    """The same with one finger, as real touch input (CDP Input.dispatchTouchEvent; needs has_touch)."""
    cdp = page.context.new_cdp_session(page)
    try:
        for points in _on_screen(page, canvas_selector, strokes, step):
            for kind, (x, y) in [("touchStart", points[0]), *(("touchMove", p) for p in points[1:])]:
                cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
            cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()


def _on_screen(page, canvas_selector: str, strokes, step: float) -> list[list[tuple[float, float]]]:
    """Canvas-pixel polylines -> viewport polylines resampled every ``step`` CSS pixels (ends kept)."""
    locator = page.locator(canvas_selector)
    locator.scroll_into_view_if_needed()
    box = locator.evaluate(
        """c => { const r = c.getBoundingClientRect();
                  return {x: r.left + c.clientLeft, y: r.top + c.clientTop,
                          sx: c.clientWidth / c.width, sy: c.clientHeight / c.height}; }"""
    )
    screen = []
    for stroke in strokes:
        points = np.array([(box["x"] + x * box["sx"], box["y"] + y * box["sy"]) for x, y in stroke])
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
        stops = np.linspace(0.0, along[-1], max(2, math.ceil(along[-1] / step) + 1))
        resampled = np.stack([np.interp(stops, along, points[:, 0]), np.interp(stops, along, points[:, 1])], axis=1)
        screen.append([(float(x), float(y)) for x, y in resampled])
    return screen


def smooth(polyline: list[tuple[float, float]], rounds: int = 3) -> list[tuple[float, float]]:
    """Chaikin corner cutting: a hand-like curve through a few control points, ends kept."""
    points = np.asarray(polyline, dtype=float)
    for _ in range(rounds):
        cuts = np.stack([0.75 * points[:-1] + 0.25 * points[1:], 0.25 * points[:-1] + 0.75 * points[1:]], axis=1)
        points = np.concatenate([points[:1], cuts.reshape(-1, 2), points[-1:]])
    return [(float(x), float(y)) for x, y in points]


# Pad coordinates (the canvases' own pixels): an あ on the 480-px pad, a 2 on the 336-px digit pad.
HIRAGANA_A = [
    smooth([(110, 152), (240, 140), (365, 128)]),
    smooth([(226, 68), (234, 200), (250, 330), (268, 428)]),
    smooth([(335, 222), (290, 300), (215, 372), (150, 410), (122, 370), (160, 312), (250, 282), (330, 282),
            (388, 325), (382, 395), (322, 432)]),
]
DIGIT_TWO = [smooth([(92, 118), (130, 70), (205, 58), (252, 98), (244, 162), (168, 232), (90, 286), (176, 280),
                     (262, 278)])]
