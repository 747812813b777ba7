"""params.yaml, validated before any work starts.

Every block is a strict pydantic model: an unknown key, a wrong type or an out-of-range value
fails at start-up with one line naming the key, instead of minutes later inside TensorFlow.
Stages ask for their own block only (`load_params("train_cnn")`), mirroring dvc.yaml's per-key deps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

from kakite.core.errors import ParamsError

# Strict scalars: YAML's `yes` must not become 1, nor "14" become 14. (StrictFloat still takes an int.)
Fraction = Annotated[StrictFloat, Field(ge=0.0, le=1.0)]
Positive = Annotated[StrictInt, Field(gt=0)]
Seed = Annotated[StrictInt, Field(ge=0, lt=2**32)]


def _int(**bounds: float) -> type:
    return Annotated[StrictInt, Field(**bounds)]


def _float(**bounds: float) -> type:
    return Annotated[StrictFloat, Field(**bounds)]


class Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _ordered(pair: tuple) -> tuple:
    if pair[0] > pair[1]:
        raise ValueError(f"low {pair[0]} > high {pair[1]}")
    return pair


def _range(lo: float, hi: float, kind: type = StrictFloat) -> type:
    """A [low, high] pair inside [lo, hi], low <= high (the error names the key itself)."""
    bound = Annotated[kind, Field(ge=lo, le=hi)]
    return Annotated[tuple[bound, bound], AfterValidator(_ordered)]


class Source(Block):
    hiragana: list[Literal["embedded", "hiragana73", "kuzushiji49"]] = Field(min_length=1)
    digits: Literal["embedded", "emnist"]


class Data(Block):
    source: Source


class HiraganaData(Block):
    writers: Positive
    samples_per_writer: Positive
    typeset_fonts: list[str] = Field(min_length=1)
    typeset_variants: Positive
    handwriting_fonts: list[str]
    handwriting_variants: _int(ge=0)


class DigitsData(Block):
    writers: _int(ge=2)
    samples_per_writer: Positive


class Style(Block):
    slant_deg: _range(-45, 45)
    aspect: _range(0.3, 3.0)
    size: _range(0.2, 1.0)
    offset: _float(ge=0, le=0.3)
    pen_width: _range(0.005, 0.3)
    thickness_var: _range(0, 1)
    stroke_jitter: _range(0, 0.5)
    deform_amp: _range(0, 0.3)



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
    recipe: Literal["kakite", "seed"]
    train_domains: list[Literal["typeset", "strokes", "handwriting_font", "kuzushiji"]] = Field(min_length=1)
    epochs: Positive
    batch_size: _int(ge=1, le=4096)
    learning_rate: _float(gt=0, le=1)
    patience: Positive
    filters: list[_int(ge=1, le=512)] = Field(min_length=1, max_length=5)
    dense: Positive
    dropout: _float(ge=0, lt=1)
    baselines: list[Literal["seed", "typeset_only"]]
    strategy: Literal["auto", "default", "mirrored", "multiworker"] = "auto"
    augment: Augment


class TrainVae(Block):
    seed: Seed
    variant: Literal["kakite", "seed"]
    z_content: Positive
    z_style: Positive
    epochs: Positive
    batch_size: _int(ge=2, le=4096)
    learning_rate: _float(gt=0, le=1)
    classifier_weight: _float(ge=0)
    crosscov_weight: _float(ge=0)
    adversary_weight: _float(ge=0)
    group_weight: _float(ge=0)
    digit_weight: _float(ge=0)
    kl_weight: _float(ge=0)
    experiment_1d_epochs: _int(ge=0)
    new_writers: _int(ge=0)
    baselines: list[Literal["seed"]]
    baseline_epochs: Positive
    strategy: Literal["auto", "default", "mirrored", "multiworker"] = "auto"


class Cluster(Block):
    seed: Seed
    writers: _int(ge=2)
    per_writer_mean: Positive
    tsne_perplexity: _float(gt=0, le=100)


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
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParamsError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
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
