"""grayscale: every selected source, decoded to grey uint8 arrays in two npz files.

Outputs: data/gray/hiragana.npz, data/gray/digits.npz (format: kakite/decode/dataset.py), data/gray/report.csv
(every file that failed or was resized, with the reason) and metrics/details/grayscale.json.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from kakite.acquire.sources import ScanReport, iter_manifest_zip, iter_source
from kakite.core import entry
from kakite.core.atomic import save_npz, write_text
from kakite.core.charset import DIGITS, HIRAGANA73
from kakite.core.params import load_params
from kakite.core.records import DIGITS_SIZE, HIRAGANA_SIZE
from kakite.core.results import write_results
from kakite.decode.dataset import GrayReport, collect, concat

RAW = Path("data/raw")
OUT = Path("data/gray")


def _records(name: str, embedded: str, sources: dict, scan: ScanReport):
    if name == "embedded":
        return iter_manifest_zip(RAW / f"{embedded}.zip", RAW / f"{embedded}_manifest.csv", report=scan)
    return iter_source(name, sources[name], RAW, report=scan)


def _build(dataset: str, names: list[str], charset: str, size: int, sources: dict) -> tuple[dict, dict, list]:
    report, scan = GrayReport(), ScanReport()
    data = concat([collect(_records(n, dataset, sources, scan), charset, size, report) for n in names])
    problems = [(f, "failed", why) for f, why in report.failed] + [(f, "resized", s) for f, s in report.resized]
    problems += [(c, "empty class folder", "") for c in scan.empty_classes]
    problems += [(n, "name not UTF-8 in zip", "") for n in scan.non_utf8_names]
    problems += [(reason, "skipped", str(n)) for reason, n in scan.skipped.items()]
    summary = {
        "images": len(data["labels"]),
        "failed": len(report.failed),
        "resized": len(report.resized),
        "empty_classes": len(scan.empty_classes),
        "by_domain": dict(sorted(Counter(data["domains"].tolist()).items())),
    }
    return data, summary, [(dataset, *p) for p in problems]


def main() -> None:
    data, fetch = load_params("data", "fetch")
    sources = fetch.sources.model_dump()
    hira, hira_sum, hira_bad = _build("hiragana", data.source.hiragana, HIRAGANA73, HIRAGANA_SIZE, sources)
    digits, dig_sum, dig_bad = _build("digits", [data.source.digits], DIGITS, DIGITS_SIZE, sources)
    save_npz(OUT / "hiragana.npz", **hira)
    save_npz(OUT / "digits.npz", **digits)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([("dataset", "file", "problem", "detail"), *hira_bad, *dig_bad])
    write_text(OUT / "report.csv", buf.getvalue())
    write_results("grayscale", {"hiragana": hira_sum, "digits": dig_sum})
    print(f"grayscale: hiragana {hira_sum['images']} images, digits {dig_sum['images']} images, "
          f"{len(hira_bad) + len(dig_bad)} problems listed in {OUT / 'report.csv'}")


if __name__ == "__main__":
    entry.run(main, "grayscale", writes=(OUT, "metrics"))
