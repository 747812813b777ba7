"""The HTML page `dvc plots show` fills, with Vega, Vega-Lite and Vega-Embed inlined from npm.

DVC's own page loads the three libraries from a CDN, so offline every Vega plot is an empty box. DVC puts
those script tags where a template says `{scripts}`; this page has no such placeholder and carries the
libraries inline instead, so dvc_plots/index.html draws from file:// or from any server, wherever `-o`
writes it, and asks nothing of the network. `make plots-vendor` writes it from vega/node_modules (versions
pinned by vega/package-lock.json) to vega/dvc_plots.html, where .dvc/config's `plots.html_template` points.
"""

from __future__ import annotations

import re
from pathlib import Path

from kakite.core import entry
from kakite.core.atomic import write_text
from kakite.core.errors import KakiteError

MODULES = Path("vega/node_modules")
TEMPLATE = Path("vega/dvc_plots.html")
LIBRARIES = ("vega/build/vega.min.js", "vega-lite/build/vega-lite.min.js", "vega-embed/build/vega-embed.min.js")
SLOT = "<!-- vega, vega-lite, vega-embed -->"
PAGE = f"""<!DOCTYPE html>
<html>
<head>
    <meta charset="utf-8">
    {{refresh_tag}}
    <title>DVC plots</title>
    {SLOT}
    <style>
        table {{
            border-spacing: 15px;
        }}
    </style>
</head>
<body>
    {{plot_divs}}
</body>
</html>
"""


def _inline(path: Path) -> str:
    """A library's text, safe inside <script>: no source-map comment (a request), no closing tag."""
    if not path.is_file():
        raise KakiteError(f"{path}: missing; run `make plots-vendor` (npm ci in vega/)")
    text = re.sub(r"^//# sourceMappingURL=.*$", "", path.read_text(encoding="utf-8"), flags=re.M)
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.I)


def page(modules: Path = MODULES) -> str:
    """DVC's template ({plot_divs}, {refresh_tag}; no {scripts}) with the three libraries inline."""
    scripts = "\n".join(f"<script>\n{_inline(modules / library)}\n</script>" for library in LIBRARIES)
    return PAGE.replace(SLOT, scripts)


def main() -> None:
    write_text(TEMPLATE, page())
    print(f"{TEMPLATE}: DVC's plots page with Vega inlined ({TEMPLATE.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    entry.run(main, "plots_page")
