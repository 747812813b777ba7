"""The whole DVC DAG, end to end, on the tiny profile: repro, no-op repro, per-key invalidation, metrics."""

from __future__ import annotations

import json
import re
import sys
import time

import numpy as np
import pytest

from bench.workspace import make_copy, run, set_params
from kakite.core.charset import HIRAGANA73
from tests.test_bench import ZINNIA_LACKS
from tests.test_dvc_tables import EXP_WIDTH, readme_exp_show, table_width

pytestmark = pytest.mark.slow

STAGES = ("fetch", "grayscale", "audit", "split", "train_cnn", "train_vae", "cluster", "export_tfjs")
DETAILS = ("fetch", "grayscale", "audit", "split", "cnn", "vae", "cluster", "export")
METRICS = ("cnn", "vae", "cluster", "export")  # the headline numbers


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """The tiny copy after its first `dvc repro`, whose output is kept next to it in repro.log."""
    repo = tmp_path_factory.mktemp("tiny") / "repo"
    repo.mkdir()
    make_copy(repo)
    (repo.parent / "repro.log").write_text(run(["dvc", "repro"], repo).stdout)
    return repo


EPOCH_LINE = re.compile(r"^(train_cnn|train_vae) [^:]+: epoch \d+/\d+, ")


def test_every_training_log_line_names_its_model(repo):
    log = (repo.parent / "repro.log").read_text()
    epochs = [line for line in log.splitlines() if re.search(r"\bepoch \d+/\d+", line, re.I)]
    assert epochs and all(EPOCH_LINE.match(line) for line in epochs), epochs
    for label in ("train_cnn kakite", "train_cnn baseline seed", "train_cnn baseline seed_spec",
                  "train_cnn baseline typeset_only",
                  "train_vae kakite", "train_vae baseline seed", "train_vae experiment I"):
        assert f"{label}: epoch 1/" in log, label


def test_seed_recipes_run_the_seed_step_count_whatever_the_data_size(repo):
    """train_cnn.seed_steps optimizer steps of 128 images: the epochs follow from the typeset training rows."""
    import yaml

    from kakite.core.atomic import load_npz

    steps = yaml.safe_load((repo / "params.yaml").read_text())["train_cnn"]["seed_steps"]
    typeset = int((load_npz(repo / "data/split/hiragana_train.npz")["domains"] == "typeset").sum())
    epochs = -(-steps // -(-typeset // 128))
    log = (repo.parent / "repro.log").read_text()
    for name in ("seed", "seed_spec"):
        assert f"train_cnn baseline {name}: epoch {epochs}/{epochs}," in log, name
        assert f"train_cnn baseline {name}: epoch {epochs + 1}/" not in log, name


def test_every_stage_ran_and_wrote_its_metrics(repo):
    for name in DETAILS:
        assert json.loads((repo / "metrics/details" / f"{name}.json").read_text()), name
    assert set(json.loads((repo / "metrics/cnn.json").read_text())) == {"typeset", "strokes", "handwriting"}
    cnn = json.loads((repo / "metrics/details/cnn.json").read_text())
    assert set(cnn["kakite"]["by_domain"]) == {"typeset", "strokes", "handwriting_font"}
    assert set(cnn["baselines"]) == {"seed", "seed_spec", "typeset_only"}
    assert 0.0 <= cnn["kakite"]["accuracy"] <= 1.0
    assert (repo / "web/model/cnn/model.json").is_file() and (repo / "web/model/meta.json").is_file()
    assert (repo / "data/models/cnn/model.h5").is_file()
    for png in ("vae/experiment1_latents.png", "vae/experiment1_grid.png", "cluster/styles.png",
                "cluster/by_mean_size.png", "split/hiragana_samples.png", "cnn/confusion.png", "cnn/curves.png",
                "cnn/errors.png"):
        assert (repo / "metrics/plots" / png).stat().st_size > 1000, png


def test_second_repro_is_a_no_op(repo):
    out = run(["dvc", "repro"], repo).stdout
    assert "Running stage" not in out
    assert "up to date" in out.lower()


def test_metrics_show_lists_the_headline_files_only(repo):
    shown = run(["dvc", "metrics", "show", "--json"], repo).stdout
    files = json.loads(shown)[""]["data"]
    assert set(files) == {f"metrics/{m}.json" for m in METRICS}


def test_train_param_change_reruns_only_downstream_and_diff_shows_it(repo):
    run(["git", "add", "-A"], repo)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first run"], repo)
    set_params(repo, {"train_cnn": {"epochs": 2}})
    assert set(json.loads(run(["dvc", "status", "--json"], repo).stdout)) == {"train_cnn"}
    out = run(["dvc", "repro"], repo).stdout
    ran = {s for s in STAGES if f"Running stage '{s}'" in out}
    assert ran == {"train_cnn", "export_tfjs"}, out
    # --all: the tiny CNN may score the same after 1 and 2 epochs; the diff must still read both revisions
    diff = json.loads(run(["dvc", "metrics", "diff", "--all", "--json"], repo).stdout)
    assert set(diff["metrics/cnn.json"]) == {"typeset", "strokes", "handwriting"}, diff
    assert all(value["old"] is not None and value["new"] is not None for value in diff["metrics/cnn.json"].values())
    params = json.loads(run(["dvc", "params", "diff", "--json"], repo).stdout)
    change = params["params.yaml"]["train_cnn.epochs"]
    assert (change["old"], change["new"]) == (1, 2)


def _digests(repo, *dirs: str) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(repo)): hashlib.sha256(p.read_bytes()).hexdigest()
            for d in dirs for p in sorted((repo / d).rglob("*")) if p.is_file()}


def test_forced_rerun_of_the_data_stages_is_byte_identical(repo):
    data = ("data/raw", "data/gray", "data/split", "data/audit")
    before = _digests(repo, *data)
    run(["dvc", "repro", "--force", "--single-item", "fetch", "grayscale", "audit", "split"], repo)
    assert _digests(repo, *data) == before


def test_forced_retraining_reproduces_the_metrics(repo):
    """Training is seeded throughout; on the same machine and thread count it repeats to float rounding."""
    before = json.loads((repo / "metrics/details/cnn.json").read_text())
    run(["dvc", "repro", "--force", "--single-item", "train_cnn"], repo)
    after = json.loads((repo / "metrics/details/cnn.json").read_text())
    for recipe in ("kakite", *before["baselines"]):
        old = before["kakite"] if recipe == "kakite" else before["baselines"][recipe]
        new = after["kakite"] if recipe == "kakite" else after["baselines"][recipe]
        for domain, accuracy in old["by_domain"].items():
            assert abs(new["by_domain"][domain] - accuracy) <= 0.01, (recipe, domain)
    run(["dvc", "repro"], repo)  # bring export_tfjs up to date with the retrained model


def test_a_fresh_clone_pulls_from_the_remote_and_retrains_nothing(repo, tmp_path):
    remote = tmp_path / "remote"
    run(["dvc", "remote", "add", "-f", "-d", "local", str(remote)], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "remote"], repo, check=False)
    run(["dvc", "push"], repo)
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(repo), str(clone)], tmp_path)
    run(["dvc", "pull"], clone)
    status = run(["dvc", "status"], clone).stdout
    assert "up to date" in status.lower(), status
    assert "Running stage" not in run(["dvc", "repro"], clone).stdout


def test_a_four_point_sweep_runs_on_dvcs_experiment_queue(repo):
    run(["git", "add", "-A"], repo)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "before sweep"], repo, check=False)
    for epochs in (1, 2):
        for lr in (0.002, 0.004):
            run(["dvc", "exp", "run", "--queue", "-S", f"train_cnn.epochs={epochs}",
                 "-S", f"train_cnn.learning_rate={lr}"], repo)
    run(["dvc", "queue", "start", "--jobs", "2"], repo)
    deadline = time.monotonic() + 900
    while True:
        status = run(["dvc", "queue", "status"], repo).stdout
        if "Queued" not in status and "Running" not in status:
            break
        assert time.monotonic() < deadline, status
        time.sleep(5)
    assert status.count("Success") == 4, status
    shown = json.loads(run(["dvc", "exp", "show", "--json"], repo).stdout)
    runs = [exp for commit in shown for exp in commit.get("experiments") or []]
    scores = [r["revs"][0]["data"]["metrics"]["metrics/cnn.json"]["data"]["strokes"] for r in runs]
    assert len(scores) == 4 and all(0.0 <= s <= 1.0 for s in scores)
    width, table = table_width(readme_exp_show(), repo)  # real experiment rows, named by DVC
    header = set(table.splitlines()[1].split())
    assert width <= EXP_WIDTH and {"train_cnn.epochs", "train_cnn.learning_rate"} <= header, table
    assert {"typeset", "strokes", "handwriting"} & header and not {"State", "Executor"} & header, table


def test_bench_accuracy_and_scaling_run_on_the_trained_models(repo):
    """`make bench`'s accuracy and scaling parts on the tiny models; the scaling plot renders in DVC."""
    run([sys.executable, "-m", "bench.run", "--only", "accuracy", "scaling", "--runs", "1"], repo)
    bench = json.loads((repo / "metrics/bench.json").read_text())
    systems = bench["accuracy"]["systems"]
    assert set(systems) == {"kakite", "seed", "seed_spec", "typeset_only", "zinnia"}  # the tiny profile lists all
    assert set(systems["zinnia"]) == {"strokes"} and bench["accuracy"]["zinnia_classes"] == 46
    test = np.load(repo / "data/split/hiragana_test.npz", allow_pickle=False)
    strokes = test["domains"] == "strokes"
    covered = sum(HIRAGANA73[i] not in ZINNIA_LACKS for i in test["labels"][strokes])
    for name, domains in systems.items():
        assert domains["strokes"]["all_73"]["n"] == strokes.sum(), name
        assert domains["strokes"]["zinnia_46"]["n"] == covered, name
        for part in domains["strokes"].values():
            assert part["top1"] <= part["top5"] and part["top1_ci95"][0] <= part["top1"] <= part["top1_ci95"][1]
    sizes = [row["images"] for row in bench["scaling"]["train_cnn"]]
    assert len(sizes) == 3 and sizes == sorted(sizes) and sizes[0] < sizes[-1]
    plots = json.loads(run(["dvc", "plots", "show", "--json", "bench_scaling"], repo).stdout)
    points = plots["data"]["bench_scaling"][0]["content"]["data"]["values"]
    files = [p["filename"] for p in points]
    assert files.count("scaling_train_cnn.csv") == 3 and files.count("scaling_predict.csv") == 3, points


def test_empty_baselines_skip_them_in_an_experiment(repo):
    """`dvc exp run -S train_cnn.baselines=[] -S train_vae.baselines=[]`: a sweep that trains kakite's models only."""
    run(["git", "add", "-A"], repo)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "before exp"], repo, check=False)
    out = run(["dvc", "exp", "run", "-S", "train_cnn.baselines=[]", "-S", "train_vae.baselines=[]"], repo).stdout
    assert not re.search(r"baseline \S+: epoch", out)
    assert "train_cnn kakite: epoch 1/" in out and "train_vae kakite: epoch 1/" in out
    for name in ("cnn", "vae"):
        assert json.loads((repo / f"metrics/details/{name}.json").read_text())["baselines"] == {}, name
    cluster = json.loads((repo / "metrics/details/cluster.json").read_text())
    assert {row["model"] for table in cluster["protocols"].values() for row in table["rows"]} == {"", "kakite"}
