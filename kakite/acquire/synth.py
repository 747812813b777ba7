"""The embedded default data: pseudo-handwriting, typeset "scans" and handwriting fonts, built offline.

The output mimics the real releases, so that `grayscale` reads it exactly as it reads a download:
a zip laid out like NDL's hiragana73.zip (`hiragana73/U3042/*.png`) plus a manifest CSV that says,
for each member, its label, domain, writer (or font) and split group. Digits use the same shape
(`digits/U0033/*.png`). One zip per dataset keeps DVC hashing one file, not tens of thousands.

Determinism: every job draws from its own RNG seeded by (seed, domain, index), so the output is
byte-identical whatever the number of worker processes; zip entries carry a fixed timestamp.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from kakite.acquire import fonts, pens, render, strokes
from kakite.core.atomic import atomic_path, write_text
from kakite.core.charset import DIGITS, HIRAGANA73, folder_name
from kakite.core.records import DIGITS_SIZE, HELDOUT, HIRAGANA_SIZE, MANIFEST_COLUMNS, UNGROUPED
from kakite.core.workers import parallel_map

_ZIP_DATE = (2018, 12, 1, 0, 0, 0)
_DOMAIN_CODES = {"strokes": 1, "typeset": 2, "handwriting_font": 3, "digits": 4}


@dataclass(frozen=True)
class Job:
    """One unit of rendering work: one writer (all classes) or one font (all classes)."""

    domain: str
    index: int
    name: str  # writer id or font family
    font_path: str = ""


@dataclass(frozen=True)
class RenderPlan:
    """What a worker needs to render a job; plain values so it pickles cheaply to worker processes."""

    seed: int
    charset: str
    size: int
    samples: int
    style: dict
    sample_noise: float
    prefix: str


def _png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buf, format="PNG")
    return buf.getvalue()


def _group(job: Job) -> str:
    """Writers are split groups; typeset rows are split by class alone; handwriting fonts are test only."""
    return {"strokes": job.name, "digits": job.name, "typeset": UNGROUPED, "handwriting_font": HELDOUT}[job.domain]


def _job_rng(job: Job, plan: RenderPlan) -> np.random.Generator:
    return np.random.default_rng([plan.seed, _DOMAIN_CODES[job.domain], job.index])


def member_name(job: Job, plan: RenderPlan, char: str, k: int) -> str:
    """The zip member of the k-th sample of char in this job (also what the split files record)."""
    return f"{plan.prefix}/{folder_name(char)}/{job.domain}_{job.name.replace(' ', '_')}_{k:02d}.png"


def written_samples(job: Job, plan: RenderPlan) -> Iterator[tuple[str, int, list[np.ndarray]]]:
    """A stroke writer's samples as pen trajectories, (char, k, strokes), drawn in render order.

    render_job rasterizes exactly these, so a stroke-based recognizer (the Zinnia benchmark) can be
    fed the very trajectories behind each image.
    """
    rng = _job_rng(job, plan)
    style = strokes.sample_writer(rng, plan.style)
    for char in plan.charset:
        for k in range(plan.samples):
            yield char, k, strokes.write_char(char, style, rng, plan.sample_noise)


def _font_samples(job: Job, plan: RenderPlan) -> Iterator[tuple[str, int, np.ndarray]]:
    rng = _job_rng(job, plan)
    draw = render.render_typeset if job.domain == "typeset" else render.render_handwriting_font
    for char in plan.charset:
        if fonts.has_glyph(job.font_path, char):
            for k in range(plan.samples):
                yield char, k, draw(char, Path(job.font_path), plan.size, rng)


def render_job(job: Job, plan: RenderPlan) -> list[tuple[str, bytes, tuple[str, ...]]]:
    """Render every sample of one job: (member path, PNG bytes, manifest row)."""
    by_hand = job.domain in ("strokes", "digits")
    if by_hand:
        samples = ((char, k, strokes.rasterize(s, plan.size)) for char, k, s in written_samples(job, plan))
    else:
        samples = _font_samples(job, plan)
    domain = "strokes" if by_hand else job.domain
    out = []
    for char, k, pixels in samples:
        member = member_name(job, plan, char, k)
        out.append((member, _png(pixels), (member, char, domain, job.name, _group(job))))
    return out


def _run_jobs(jobs: list[tuple[Job, RenderPlan]], workers: int) -> Iterator[list]:
    if workers == 1:
        yield from (render_job(job, plan) for job, plan in jobs)
        return
    yield from parallel_map(render_job, *zip(*jobs, strict=True), workers=workers)


def write_dataset(jobs: list[tuple[Job, RenderPlan]], zip_path: Path, manifest_path: Path, workers: int) -> int:
    """Render all jobs into one zip + manifest, atomically; returns the number of images."""
    rows: list[tuple[str, ...]] = []
    with atomic_path(zip_path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for results in _run_jobs(jobs, workers):
            for member, png, row in results:
                zf.writestr(zipfile.ZipInfo(member, date_time=_ZIP_DATE), png)
                rows.append(row)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    writer.writerows(rows)
    write_text(manifest_path, buf.getvalue())
    return len(rows)


def hiragana_jobs(cfg) -> list[tuple[Job, RenderPlan]]:
    """Stroke writers, typeset fonts and (held-out) handwriting fonts, in a fixed order."""
    h = cfg.hiragana
    style = cfg.style.model_dump()

    def plan(samples: int) -> RenderPlan:
        return RenderPlan(cfg.seed, HIRAGANA73, HIRAGANA_SIZE, samples, style, cfg.sample_noise, "hiragana73")

    jobs = [(Job("strokes", i, f"w{i:03d}"), plan(h.samples_per_writer)) for i in range(h.writers)]
    for i, family in enumerate(h.typeset_fonts):
        jobs.append((Job("typeset", i, family, str(fonts.resolve_font(family))), plan(h.typeset_variants)))
    if h.handwriting_variants:
        for i, family in enumerate(h.handwriting_fonts):
            path = str(fonts.resolve_font(family))
            jobs.append((Job("handwriting_font", i, family, path), plan(h.handwriting_variants)))
    return jobs


def digit_jobs(cfg) -> list[tuple[Job, RenderPlan]]:
    """Digit writers: every writer writes every digit `samples_per_writer` times."""
    plan = RenderPlan(cfg.seed, DIGITS, DIGITS_SIZE, cfg.digits.samples_per_writer, cfg.style.model_dump(),
                    cfg.sample_noise, "digits")
    return [(Job("digits", i, f"d{i:03d}"), plan) for i in range(cfg.digits.writers)]


SHEET_KANA = "あきさそふりやゆらちをぎばぱぷぽ"  # the kana with handwritten variants, and the voicing-mark pairs
_SHEET_CODE = 5  # RNG domain code of the sample sheet, apart from every dataset's


def writer_sheet(cfg, writers_per_pen: int = 2) -> dict[str, tuple[np.ndarray, list[str]]]:
    """A few synthetic writers per pen, each writing SHEET_KANA once: pen -> (images, captions)."""
    style = cfg.style.model_dump()
    sheet = {}
    for i, kind in enumerate(pens.PENS):
        rng = np.random.default_rng([cfg.seed, _SHEET_CODE, i])
        only = dict(style, pens={k: float(k == kind) for k in pens.PENS})
        writers = [strokes.sample_writer(rng, only) for _ in range(writers_per_pen)]
        images = [strokes.rasterize(strokes.write_char(c, w, rng, cfg.sample_noise), HIRAGANA_SIZE)
                  for w in writers for c in SHEET_KANA]
        sheet[kind] = (np.array(images), [c for _ in writers for c in SHEET_KANA])
    return sheet
