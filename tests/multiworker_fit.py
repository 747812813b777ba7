"""One worker of the multi-worker test: `python -m tests.multiworker_fit OUT` trains the small CNN of
tests/test_training.py through fit_resumable under the strategy TF_CONFIG implies (MultiWorkerMirrored
when set, the default one when not), and the chief writes its test-set probabilities to OUT/probs.npy."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from kakite.training.cluster import is_chief
from kakite.training.loop import fit_resumable, select_strategy
from tests.test_training import data, sequence, small_model

EPOCHS = 3


def main(out: Path) -> None:
    x, y = data()
    x_test, _ = data(seed=1)
    with select_strategy("auto").scope():
        model = small_model(dropout=0.0)  # dropout masks are drawn per replica: not comparable across layouts
    fit_resumable(model, sequence(x, y), (x[:64], y[:64]), epochs=EPOCHS, seed=3, patience=5,
                  checkpoint_dir=out / "checkpoint", log_dir=out / "log", verbose=0)
    probs = model.predict(x_test, batch_size=64, verbose=0)  # a collective op: every worker takes part
    if is_chief():
        np.save(out / "probs.npy", probs)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
