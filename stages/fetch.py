"""fetch: build the embedded data and download the real sources that params select.

Outputs (all under data/raw/): hiragana.zip + hiragana_manifest.csv and digits.zip + digits_manifest.csv
when `embedded` is selected; hiragana73/, emnist/, kuzushiji49/ for the real sources. Always
metrics/plots/fetch/writers.png: a few synthetic writers per pen, to see what the writer model draws, and
metrics/details/fetch.json (images per dataset, downloads).
"""

from __future__ import annotations

import time
from pathlib import Path

from kakite.acquire import synth
from kakite.acquire.sources import fetch_source
from kakite.core import entry, plots
from kakite.core.atomic import write_json
from kakite.core.params import load_params
from kakite.core.results import write_results

RAW = Path("data/raw")
SHEET = Path("metrics/plots/fetch/writers.png")


def main() -> None:
    data, cfg = load_params("data", "fetch")
    sources = cfg.sources.model_dump()
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    started = time.perf_counter()
    if "embedded" in data.source.hiragana:
        counts["hiragana"] = synth.write_dataset(
            synth.hiragana_jobs(cfg), RAW / "hiragana.zip", RAW / "hiragana_manifest.csv", cfg.workers)
    if data.source.digits == "embedded":
        counts["digits"] = synth.write_dataset(
            synth.digit_jobs(cfg), RAW / "digits.zip", RAW / "digits_manifest.csv", cfg.workers)
    real = [name for name in data.source.hiragana if name != "embedded"]
    real += [data.source.digits] if data.source.digits != "embedded" else []
    for name in real:
        fetch_source(name, sources[name], RAW, digests=digests)
    for name, digest in sorted(digests.items()):
        print(f"fetch: {name} sha256 {digest}")
    write_json(RAW / "digests.json", digests)
    write_results("fetch", {"images": counts, "downloads": len(digests)})
    plots.captioned_grid(synth.writer_sheet(cfg), SHEET, "synthetic writers, two per pen", cols=len(synth.SHEET_KANA))
    print(f"fetch: {counts} in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    entry.run(main, "fetch", writes=(RAW, SHEET.parent, "metrics"))
