"""params.yaml, validated before any work starts.

Every block is a strict pydantic model: an unknown key, a wrong type or an out-of-range value
fails at start-up with one line naming the key, instead of minutes later inside TensorFlow.
Every number has finite bounds on both sides (``kl_weight: .inf`` trains to NaN; ``epochs: 10**29``
never ends); floats must be finite; integers must be written as integers. A key given twice in one
mapping is an error naming it and both lines (YAML would silently keep the last), and a YAML syntax
error names its line. Stages ask for their own block only (`load_params("train_cnn")`), mirroring
dvc.yaml's per-key deps. ``python -m kakite.core.params`` checks the file alone: `make repro` runs it
before `dvc repro`, which would otherwise delete a stage's outputs before the stage reads its params.

Why one file of about 260 lines: the whole schema, block by block in params.yaml's order, so that a
key's type and bounds are found in one place.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, ValidationError

from kakite.core import entry, strict_yaml
from kakite.core.errors import ParamsError

# Strict scalars: YAML's `yes` must not become 1, nor "14" become 14. (StrictFloat still takes an int.)
Fraction = Annotated[StrictFloat, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Seed = Annotated[StrictInt, Field(ge=0, lt=2**32)]
COUNT_MAX = 100_000  # writers, samples, variants: far above any run this machine class can hold
EPOCHS_MAX = 10_000
WEIGHT_MAX = 1e6  # loss weights
Count = Annotated[StrictInt, Field(gt=0, le=COUNT_MAX)]
Epochs = Annotated[StrictInt, Field(gt=0, le=EPOCHS_MAX)]
Weight = Annotated[StrictFloat, Field(ge=0, le=WEIGHT_MAX, allow_inf_nan=False)]


def _int(**bounds: float) -> type:
    return Annotated[StrictInt, Field(**bounds)]


def _float(**bounds: float) -> type:
    return Annotated[StrictFloat, Field(allow_inf_nan=False, **bounds)]


class Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _ordered(pair: tuple) -> tuple:
    if pair[0] > pair[1]:
        raise ValueError(f"low {pair[0]} > high {pair[1]}")
    return pair


def _range(lo: float, hi: float, kind: type = StrictFloat) -> type:
    """A [low, high] pair inside [lo, hi], low <= high (the error names the key itself)."""
    bound = Annotated[kind, Field(ge=lo, le=hi, **({"allow_inf_nan": False} if kind is StrictFloat else {}))]
    return Annotated[tuple[bound, bound], AfterValidator(_ordered)]


class Source(Block):
    hiragana: list[Literal["embedded", "hiragana73", "kuzushiji49"]] = Field(min_length=1)
    digits: Literal["embedded", "emnist"]


class Data(Block):
    source: Source


class HiraganaData(Block):
    writers: Count
    samples_per_writer: Count
    typeset_fonts: list[str] = Field(min_length=1)
    typeset_variants: Count
    handwriting_fonts: list[str]
    handwriting_variants: _int(ge=0, le=COUNT_MAX)


class DigitsData(Block):
    writers: _int(ge=2, le=COUNT_MAX)
    samples_per_writer: Count


def _some_weight(weights: PenWeights) -> PenWeights:
    if weights.ballpoint + weights.marker + weights.brush <= 0:
        raise ValueError("at least one pen needs a positive weight")
    return weights


class PenWeights(Block):
    """Relative frequency of each pen among the synthetic writers (normalised, so only ratios matter)."""

    ballpoint: _float(ge=0, le=100)
    marker: _float(ge=0, le=100)
    brush: _float(ge=0, le=100)


class Style(Block):
    slant_deg: _range(-45, 45)
    aspect: _range(0.3, 3.0)
    size: _range(0.2, 1.0)
    offset: _float(ge=0, le=0.3)
    pen_width: _range(0.005, 0.3)
    thickness_var: _range(0, 1)
    stroke_jitter: _range(0, 0.5)
    deform_amp: _range(0, 0.3)
    pens: Annotated[PenWeights, AfterValidator(_some_weight)]
    marker_width: _range(0.005, 0.3)
    brush_width: _range(0.005, 0.3)
    variant_rate: _range(0, 1)
    join_rate: _range(0, 1)
    join_ink: _range(0, 1)
    mark_size: _range(0.2, 3.0)
    mark_shift: _float(ge=0, le=0.3)


class RemoteFile(Block):
    url: str
    sha256: str = Field(pattern=r"^([0-9a-f]{64})?$")
    member: str = ""


class Kuzushiji(Block):
    url: str
    files: list[str] = Field(min_length=1)
    sha256: dict[str, Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]]


class Sources(Block):
    hiragana73: RemoteFile
    emnist: RemoteFile
    kuzushiji49: Kuzushiji


class Fetch(Block):
    seed: Seed
    workers: _int(ge=1, le=64)
    hiragana: HiraganaData
    digits: DigitsData
    style: Style
    sample_noise: _float(ge=0, le=2)
    sources: Sources


class Audit(Block):
    class_weight: Literal["max_over_count", "balanced"]


class Split(Block):
    seed: Seed
    val_size: _float(gt=0, lt=0.5)
    test_size: _float(gt=0, lt=0.5)
    hiragana_group_by: Literal["writer", "none"]
    digits_group_by: Literal["writer", "none"]


class Augment(Block):
    rotate_deg: _float(ge=0, le=45)
    shear: _float(ge=0, le=1)
    scale: _range(0.3, 2.0)
    translate: _float(ge=0, le=0.5)
    elastic_alpha: _float(ge=0, le=20)
    elastic_sigma: _float(gt=0, le=20)
    stroke_width: _range(-3, 3, StrictInt)
    blur_sigma: _range(0, 5)
    noise: _float(ge=0, le=1)


class TrainCnn(Block):
    seed: Seed
    recipe: Literal["kakite", "seed", "seed_spec"]
    train_domains: list[Literal["typeset", "strokes", "handwriting_font", "kuzushiji"]] = Field(min_length=1)
    epochs: Epochs
    batch_size: _int(ge=1, le=4096)
    learning_rate: _float(gt=0, le=1)
    patience: Epochs
    filters: list[_int(ge=1, le=512)] = Field(min_length=1, max_length=5)
    dense: _int(gt=0, le=65_536)
    dropout: _float(ge=0, lt=1)
    baselines: list[Literal["seed", "seed_spec", "typeset_only"]]
    seed_steps: _int(ge=1, le=1_000_000)
    strategy: Literal["auto", "default", "mirrored", "multiworker"] = "auto"
    augment: Augment


class TrainVae(Block):
    seed: Seed
    variant: Literal["kakite", "seed"]
    z_content: _int(gt=0, le=1024)
    z_style: _int(gt=0, le=1024)
    epochs: Epochs
    batch_size: _int(ge=2, le=4096)
    learning_rate: _float(gt=0, le=1)
    classifier_weight: Weight
    crosscov_weight: Weight
    adversary_weight: Weight
    group_weight: Weight
    digit_weight: Weight
    kl_weight: Weight
    erase_digit_directions: _int(ge=0, le=1024)
    writer_axes: StrictBool
    experiment_1d_epochs: _int(ge=0, le=EPOCHS_MAX)
    new_writers: _int(ge=0, le=COUNT_MAX)
    baselines: list[Literal["seed"]]
    baseline_epochs: Epochs
    strategy: Literal["auto", "default", "mirrored", "multiworker"] = "auto"


class Cluster(Block):
    seed: Seed
    writers: _int(ge=2, le=COUNT_MAX)
    per_writer_mean: Count


class ExportTfjs(Block):
    quantize: Literal["none", "float16", "uint8"]
    max_accuracy_drop: Fraction


class Params(Block):
    data: Data
    fetch: Fetch
    audit: Audit
    split: Split
    train_cnn: TrainCnn
    train_vae: TrainVae
    cluster: Cluster
    export_tfjs: ExportTfjs


def _one_line(err: ValidationError, path: Path) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-"))
    more = f" (+{err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"{path}: {key}: {first['msg']}{more}"


def load_all(path: str | Path = "params.yaml") -> Params:
    """Read and validate the whole file; ParamsError names the first bad key."""
    path = Path(path)
    raw = strict_yaml.read(path)
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping of stage blocks at the top level")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        raise ParamsError(_one_line(exc, path)) from None


def load_params(*blocks: str, path: str | Path = "params.yaml") -> Block | tuple[Block, ...]:
    """Validate the whole file (so a typo anywhere fails fast), return only the asked-for blocks."""
    params = load_all(path)
    picked = tuple(getattr(params, name) for name in blocks)
    return picked[0] if len(picked) == 1 else picked


def main() -> None:
    """`python -m kakite.core.params [params.yaml]`: validate, print one line, exit 0 or 2."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "params.yaml")
    load_all(path)
    print(f"{path}: ok")


if __name__ == "__main__":
    entry.run(main, "check-params")
