"""`dvc plots show` offline: with every request that leaves the machine blocked, Chromium draws every plot
of dvc.yaml, from file:// and served from 127.0.0.1 (the page is kakite/report/plots_page.py's)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bench.browser import launch_chromium, serve_static
from bench.workspace import run
from kakite.core.errors import KakiteError
from kakite.report import plots_page
from tests.conftest import REPO

# Per Vega plot: its canvas's pixels in colour (a data mark: line, bar, heat-map cell), not the grey and
# black of axes, titles and an empty frame; and every image's decoded width.
DRAWN = """ids => {
  const vega = ids.map(id => {
    const canvas = document.getElementById(id)?.querySelector("canvas");
    if (!canvas || !canvas.width) return [id, 0];
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let coloured = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
      if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
    }
    return [id, coloured];
  });
  const images = [...document.querySelectorAll("img")].map(img => [img.getAttribute("src"), img.naturalWidth]);
  return {vega: Object.fromEntries(vega), images: Object.fromEntries(images)};
}"""
READY = """ids => ids.every(id => document.getElementById(id)?.querySelector("canvas"))
               && [...document.images].every(img => img.complete)"""
VEGA_DIV = re.compile(r'<div id = "([^"]+)">\s*<script type = "text/javascript">\s*var spec = ')  # dvc_render's
MIN_COLOURED = 50  # pixels: a few short line segments; a drawn plot has thousands


def test_the_page_is_dvcs_template_with_the_libraries_inline(tmp_path):
    modules = tmp_path / "node_modules"
    for library in plots_page.LIBRARIES:
        (modules / library).parent.mkdir(parents=True, exist_ok=True)
        (modules / library).write_text(f"var x = '</script>';\n//# sourceMappingURL={Path(library).name}.map\n")
    page = plots_page.page(modules)
    assert "{plot_divs}" in page and "{refresh_tag}" in page
    assert "{scripts}" not in page  # where DVC would put its CDN <script src> tags
    assert page.count("<script>") == 3 and "</script>'" not in page and "sourceMappingURL" not in page


def test_a_missing_library_names_the_file_and_the_fix(tmp_path):
    with pytest.raises(KakiteError, match=r"vega\.min\.js: missing; run `make plots-vendor`"):
        plots_page.page(tmp_path)


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """`dvc plots show` on this checkout's committed plots, written to a temporary folder; and each plot's type."""
    if not (REPO / plots_page.TEMPLATE).is_file():
        pytest.skip(f"{plots_page.TEMPLATE} is missing: run `make plots-vendor`")
    out = tmp_path_factory.mktemp("dvc_plots")
    run(["dvc", "plots", "show", "-o", str(out)], REPO)
    plots = json.loads(run(["dvc", "plots", "show", "--json"], REPO).stdout)["data"]
    return out, {name: renders[0]["type"] for name, renders in plots.items()}


@pytest.mark.browser
def test_the_page_loads_no_script_from_elsewhere(shown):
    html = (shown[0] / "index.html").read_text(encoding="utf-8")
    assert "<script src" not in html and "cdn.jsdelivr" not in html


@pytest.mark.browser
@pytest.mark.parametrize("where", ["file", "served"])
def test_every_plot_draws_with_the_network_blocked(shown, where):
    out, types = shown
    blocked: list[str] = []

    def loopback_only(route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")) or urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    ids = VEGA_DIV.findall((out / "index.html").read_text(encoding="utf-8"))
    vega = sum(kind == "vega" for kind in types.values())
    images = sum(kind == "image" for kind in types.values())
    with launch_chromium() as browser, serve_static({"": out}, isolated=False) as site:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", loopback_only)
        page, errors = context.new_page(), []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(out.joinpath("index.html").as_uri() if where == "file" else f"{site.url}/index.html")
        page.wait_for_function(READY, arg=ids, timeout=60_000)
        drawn = page.evaluate(DRAWN, ids)
        context.close()
    assert blocked == [] and errors == []
    assert len(drawn["vega"]) == vega and len(drawn["images"]) == images, drawn
    assert all(coloured >= MIN_COLOURED for coloured in drawn["vega"].values()), drawn["vega"]
    assert all(width > 0 for width in drawn["images"].values()), drawn["images"]


def test_dvc_plots_output_is_ignored_not_committed():
    listed = subprocess.run(["git", "ls-files", "dvc_plots"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    assert listed.stdout == ""
    assert subprocess.run(["git", "check-ignore", "-q", "dvc_plots/index.html"], cwd=REPO).returncode == 0
