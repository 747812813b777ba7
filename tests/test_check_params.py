"""`make repro` checks params.yaml before `dvc repro`, which deletes a stage's outputs before the stage
itself could refuse a bad value: a typo must not cost the trained models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.workspace import make_copy, set_params

BIN = Path(sys.executable).parent
# setup and venv are this machine's business; the test runs what `make repro` runs after them.
MAKE = ["make", "--no-print-directory", "-o", "setup", "-o", "venv", f"BIN={BIN}", f"RUN=PATH={BIN}:$$PATH"]


def test_a_bad_param_stops_make_repro_before_dvc_touches_the_models(tmp_path: Path) -> None:
    repo = make_copy(tmp_path)
    planned = subprocess.run([*MAKE, "-n", "repro"], cwd=repo, capture_output=True, text=True, check=True).stdout
    assert planned.index("-m kakite.core.params") < planned.index("dvc repro")
    outputs = {repo / "data/models/vae/weights.h5": b"trained", repo / "metrics/vae.json": b'{"accuracy": 0.99}'}
    for path, content in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    set_params(repo, {"train_vae": {"kl_weight": float("inf")}})
    done = subprocess.run([*MAKE, "repro"], cwd=repo, capture_output=True, text=True)
    assert done.returncode != 0
    assert "check-params: error: params.yaml: train_vae.kl_weight: Input should be a finite number" in done.stderr
    assert "dvc repro" not in done.stdout.split("kakite.core.params")[-1]
    assert all(path.read_bytes() == content for path, content in outputs.items())
