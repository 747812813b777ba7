"""params.yaml validation: a bad key fails at start-up with one line naming the dotted key."""

import re
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import yaml
from pydantic import AfterValidator, StrictInt, ValidationError

from kakite.core import params
from kakite.core.errors import ParamsError
from kakite.core.params import Audit, Params, Split, TrainCnn, load_all, load_params
from tests.conftest import PARAMS, REPO


def error_for(path: Path) -> str:
    with pytest.raises(ParamsError) as err:
        load_all(path)
    message = str(err.value)
    assert "\n" not in message
    assert re.match(rf"{re.escape(str(path))}(:\d+)?: ", message), message  # YAML errors add the line
    return message


def test_repo_params_validate():
    params = load_all(PARAMS)
    assert isinstance(params, Params)
    assert params.split.seed == 42  # spot check that values come through, not defaults


def test_load_params_returns_only_the_asked_blocks():
    audit = load_params("audit", path=PARAMS)
    assert isinstance(audit, Audit) and audit.class_weight == "max_over_count"
    split, cnn = load_params("split", "train_cnn", path=PARAMS)
    assert isinstance(split, Split) and isinstance(cnn, TrainCnn)


def test_blocks_are_frozen():
    audit = load_params("audit", path=PARAMS)
    with pytest.raises(ValueError):
        audit.class_weight = "balanced"


@pytest.mark.parametrize(
    ("dotted", "value", "reason"),
    [
        ("train_cnn.epochz", 3, "Extra inputs"),  # unknown key (a typo)
        ("train_cnn.augment.rotate", 3.0, "Extra inputs"),  # unknown nested key
        ("train_cnn.epochs", "many", "valid integer"),  # wrong type
        ("split.seed", 1.5, "valid integer"),  # wrong type
        ("train_cnn.epochs", 0, "greater than 0"),  # out of range
        ("split.test_size", 0.7, "less than 0.5"),
        ("export_tfjs.quantize", "int4", "'none', 'float16' or 'uint8'"),  # not one of the choices
        ("train_cnn.train_domains", [], "at least 1"),
    ],
)
def test_bad_value_names_the_dotted_key(params_with, dotted, value, reason):
    path = params_with({dotted: value})
    message = error_for(path)
    assert re.search(rf": {re.escape(dotted)}: .*{re.escape(reason)}", message), message


def test_out_of_range_tuple_item_names_its_position(params_with):
    message = error_for(params_with({"fetch.style.slant_deg": [-50.0, 10.0]}))
    assert ": fetch.style.slant_deg.0: " in message


def test_several_errors_report_the_first_and_count_the_rest(params_with):
    message = error_for(params_with({"train_cnn.epochs": 0, "train_cnn.dense": 0}))
    assert message.endswith("(+1 more)")


def test_reversed_style_range_names_the_full_dotted_key(params_with):
    message = error_for(params_with({"fetch.style.slant_deg": [18.0, -18.0]}))
    assert ": fetch.style.slant_deg: " in message


@pytest.mark.parametrize(("key", "value"), [("scale", [1.1, 0.85]), ("blur_sigma", [0.9, 0.0]),
                                            ("stroke_width", [1, -1])])
def test_reversed_augment_range_is_rejected(params_with, key, value):
    message = error_for(params_with({f"train_cnn.augment.{key}": value}))
    assert f"train_cnn.augment.{key}" in message


@pytest.mark.parametrize("value", [True, "14"])
def test_int_key_refuses_bool_and_string(params_with, value):
    error_for(params_with({"train_cnn.epochs": value}))


def test_missing_block_is_named(repo_params, tmp_path):
    tree = {name: block for name, block in repo_params.items() if name != "cluster"}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    assert ": cluster: Field required" in error_for(path)


def test_missing_file_is_one_line(tmp_path):
    message = error_for(tmp_path / "nope.yaml")
    assert "cannot read" in message


@pytest.mark.parametrize("text", ["audit: [unclosed\n  x: 1\n", "a: 1\n a: : 2\n\tb"])
def test_invalid_yaml_is_one_line(tmp_path, text):
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    assert "not valid YAML" in error_for(path)


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just a string\n"])
def test_top_level_must_be_a_mapping(tmp_path, text):
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    assert "expected a mapping" in error_for(path)


def test_every_dvc_yaml_param_is_a_real_key():
    """dvc.yaml lists the keys each stage reads; a typo there would silently stop reruns."""

    def has_key(model: type, dotted: list[str]) -> bool:
        head, *rest = dotted
        field = model.model_fields.get(head)
        if field is None:
            return False
        if not rest:
            return True
        return isinstance(field.annotation, type) and has_key(field.annotation, rest)

    stages = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    keys = [key for stage in stages.values() for key in stage.get("params", [])]
    assert keys
    assert [key for key in keys if not has_key(Params, key.split("."))] == []


def numeric_leaves(tree, prefix: str = ""):
    """(dotted key, index or None, value) for every number in params.yaml, list elements included."""
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from numeric_leaves(value, dotted + ".")
        elif isinstance(value, list):
            yield from ((dotted, i, v) for i, v in enumerate(value) if isinstance(v, int | float))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield dotted, None, value


@pytest.mark.parametrize("bad", [10**30, -(10**30), float("inf"), float("-inf"), float("nan")])
def test_every_number_has_finite_bounds(repo_params, params_with, bad):
    """kl_weight: .inf trained to NaN, epochs: 1e29 never ended, cluster.writers: 1e21 became 120. A float key
    refuses inf and nan as such, whatever its bounds."""
    leaves = list(numeric_leaves(repo_params))
    assert len(leaves) > 40
    for dotted, index, value in leaves:
        if index is not None:
            bad_list = list(value_at(repo_params, dotted))
            bad_list[index] = bad
        path = params_with({dotted: bad if index is None else bad_list})
        message = error_for(path)
        assert f": {dotted}" in message, message
        if isinstance(bad, float) and isinstance(value, float):  # not "less than or equal to 45" for a nan
            assert "Input should be a finite number" in message, message


def value_at(tree, dotted: str):
    for key in dotted.split("."):
        tree = tree[key]
    return tree


@pytest.mark.parametrize(("dotted", "value"), [("train_cnn.epochs", 3.0), ("train_vae.z_style", 1e29),
                                               ("cluster.writers", 1e21), ("fetch.workers", 2.0)])
def test_integers_must_be_written_as_integers(params_with, dotted, value):
    message = error_for(params_with({dotted: value}))
    assert re.search(rf": {re.escape(dotted)}: Input should be a valid integer", message)


def test_a_key_given_twice_is_named_with_both_lines(tmp_path):
    lines = PARAMS.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines, start=1) if re.fullmatch(r"  epochs: \d+", line))
    lines.insert(first, "  epochs: 3")
    path = tmp_path / "params.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=rf"^{re.escape(str(path))}:{first + 1}: not valid YAML: duplicate key "
                                          rf"'epochs' \(first on line {first}\)$"):
        load_all(path)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("data:\n  source: [embedded\nfetch: {}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=rf"^{re.escape(str(path))}:3: not valid YAML: "):
        load_all(path)


def test_check_params_command_exits_2_with_one_line(params_with, tmp_path):
    """`make check-params` (run by `make repro` before dvc repro): 0 and "ok", or 2 and one line."""
    run = [sys.executable, "-m", "kakite.core.params"]
    ok = subprocess.run([*run, str(PARAMS)], cwd=REPO, capture_output=True, text=True)
    assert (ok.returncode, ok.stdout) == (0, f"{PARAMS}: ok\n")
    bad = subprocess.run([*run, str(params_with({"train_vae.kl_weight": float("inf")}))], cwd=REPO,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "train_vae.kl_weight" in bad.stderr


@pytest.mark.parametrize(("seed", "ok"), [(0, True), (2**32 - 1, True), (-1, False), (2**32, False)])
def test_seed_is_a_32_bit_unsigned_int(params_with, seed, ok):
    """NumPy and sklearn take seeds in [0, 2**32): the bounds are exactly those, both ends."""
    path = params_with({"split.seed": seed})
    if ok:
        assert load_all(path).split.seed == seed
    else:
        assert ": split.seed: " in error_for(path)


@pytest.mark.parametrize(("pair", "ok"), [([0.5, 0.5], True), ([-18.0, 18.0], True), ([18.0, 17.5], False)])
def test_a_range_may_be_a_single_value_but_not_reversed(params_with, pair, ok):
    """``_ordered``: low == high is a fixed value (allowed), low > high is an error."""
    path = params_with({"fetch.style.slant_deg": pair})
    if ok:
        assert load_all(path).fetch.style.slant_deg == tuple(pair)
    else:
        assert f"low {pair[0]} > high {pair[1]}" in error_for(path)


def test_the_default_file_is_params_yaml_in_the_current_directory(monkeypatch, tmp_path):
    (tmp_path / "params.yaml").write_text(PARAMS.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_params("split").seed == 42 and load_all().split.seed == 42


@pytest.mark.parametrize("given", [True, False])
def test_check_params_main_prints_ok_for_the_file_it_checked(monkeypatch, capsys, tmp_path, given):
    """`python -m kakite.core.params [path]`, in-process: the path given, else ./params.yaml."""
    monkeypatch.chdir(PARAMS.parent)
    monkeypatch.setattr(sys, "argv", ["params.py", str(PARAMS)] if given else ["params.py"])
    params.main()
    assert capsys.readouterr().out == f"{PARAMS if given else 'params.yaml'}: ok\n"
    monkeypatch.setattr(sys, "argv", ["params.py", str(tmp_path / "nope.yaml")])
    with pytest.raises(ParamsError, match=r"nope\.yaml"):
        params.main()


PENS = ("ballpoint", "marker", "brush")


@pytest.mark.parametrize(("weights", "ok"), [((0, 0, 0), False), ((1, 0, 0), True), ((0, 1, 0), True),
                                           ((0, 0, 1), True)])
def test_some_pen_needs_a_positive_weight(params_with, weights, ok):
    pens = {pen: float(w) for pen, w in zip(PENS, weights, strict=True)}
    path = params_with({f"fetch.style.pens.{pen}": w for pen, w in pens.items()})
    if ok:
        assert load_all(path).fetch.style.pens.model_dump() == pens
    else:  # one error: nothing appended to pydantic's message
        assert error_for(path) == f"{path}: fetch.style.pens: Value error, at least one pen needs a positive weight"


def test_validator_tags_of_a_union_member_stay_out_of_the_dotted_key():
    """No block is a union today; when one is, pydantic puts a 'function-after[...]' step in the error's loc."""

    class Pick(params.Block):
        size: Annotated[StrictInt, AfterValidator(lambda v: v)] | list[int]

    with pytest.raises(ValidationError) as err:
        Pick.model_validate({"size": "x"})
    assert params._one_line(err.value, Path("p.yaml")) == "p.yaml: size: Input should be a valid integer (+1 more)"
