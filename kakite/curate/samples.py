"""Sample sheets of the data: the same kana from a few writers or fonts of every domain, side by side, so that
what the recogniser trains and is tested on can be seen before any number is read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kakite.core import plots

SAMPLE_KANA = "あいおきさそなふめりゆをがぱ"  # plain kana, the ones with handwritten variants, voiced ones
NOTES = {"typeset": "printed fonts, degraded like scans", "strokes": "synthetic writers drawing KanjiVG strokes",
         "handwriting_font": "fonts drawn by real hands"}  # kakite's own domains; a real source's shows its name


def headers(by_part: dict[str, dict[str, int]]) -> dict[str, str]:
    """Domain -> block header (what it is, its images, the splits that hold it), from split's counts
    ({part: {domain: images}}); kakite's domains first, in NOTES' order."""
    domains = sorted({d for counts in by_part.values() for d in counts},
                     key=lambda d: (list(NOTES).index(d) if d in NOTES else len(NOTES), d))
    out = {}
    for domain in domains:
        parts = [part for part, counts in by_part.items() if counts.get(domain)]
        where = "test only" if parts == ["test"] else ", ".join(parts)
        total = sum(counts.get(domain, 0) for counts in by_part.values())
        out[domain] = f"{domain}" + (f": {NOTES[domain]}" if domain in NOTES else "") + f" ({total:,} images; {where})"
    return out


def domain_sheet(data: dict, charset: str, headers: dict[str, str], per_domain: int, path: Path) -> None:
    """One block per domain in `headers` (domain -> header text), one row per writer or font (`per_domain`
    of them, spread), one column per SAMPLE_KANA: each writer's first image of that kana, blank if none."""
    columns = [charset.index(k) for k in SAMPLE_KANA]
    rows, labels, groups = [], [], {}
    for domain, header in headers.items():
        mine = data["domains"] == domain
        groups[len(rows)] = header
        for writer in plots.spread(data["writers"][mine], per_domain):
            theirs = mine & (data["writers"] == writer)
            row = np.full((len(columns), *data["images"].shape[1:]), np.nan)
            for c, label in enumerate(columns):
                found = np.flatnonzero(theirs & (data["labels"] == label))
                if len(found):
                    row[c] = 1.0 - data["images"][found[0]] / 255.0
            rows.append(row)
            labels.append(str(writer))
    plots.tile_sheet(np.asarray(rows), path, "the hiragana data, by domain (stored images, before preprocessing)",
                     row_labels=labels, col_labels=list(SAMPLE_KANA), row_groups=groups, zoom=1.2)
