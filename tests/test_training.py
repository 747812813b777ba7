"""Shared training machinery: strategy choice, batches, the epoch log, checkpoints and exact resume."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from kakite.core.errors import ParamsError
from kakite.recognizer.network import build_kakite_cnn, compile_kakite
from kakite.training.batches import AugmentedSequence, grouped_order
from kakite.training.checkpoints import latest_checkpoint
from kakite.training.loop import EpochLog, fit_resumable, replica_batch, select_strategy, train_throughput
from tests.conftest import read_epoch_log

# Resumed and uninterrupted runs replay the same batches, augmentation and dropout masks, so on this
# CPU they agree bit for bit; the tolerance only leaves room for a different reduction order.
RESUME_ATOL = 1e-5


def data(n: int = 192, size: int = 12, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Class k lights up row band k: learnable in a few epochs, random enough to need shuffling."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = rng.random((n, size, size, 1), dtype=np.float32) * 0.3
    for k in range(classes):
        x[y == k, 4 * k : 4 * k + 4] += 0.7
    return x, y


def small_model(classes: int = 3, size: int = 12, dropout: float = 0.5) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = build_kakite_cnn(classes, size, filters=[4, 8], dense=8, dropout=dropout)
    compile_kakite(model, learning_rate=0.01)
    return model


def noisy(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(x + rng.normal(0.0, 0.05, x.shape).astype(np.float32), 0.0, 1.0)


def sequence(x: np.ndarray, y: np.ndarray) -> AugmentedSequence:
    return AugmentedSequence(x, y, batch_size=32, seed=5, augment=noisy, class_weight=[1.0, 2.0, 0.5])


class KillAt(keras.callbacks.Callback):
    """Stands in for SIGKILL: dies in the middle of epoch `epoch` (0-based), after that many checkpoints."""

    def __init__(self, epoch: int, batch: int = 2) -> None:
        super().__init__()
        self.kill_epoch, self.kill_batch, self.epoch = epoch, batch, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == self.kill_epoch and batch == self.kill_batch:
            raise KeyboardInterrupt("killed")


def test_auto_strategy_is_the_default_one_on_a_cpu_machine(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert not tf.config.list_physical_devices("GPU")
    assert select_strategy("auto") is tf.distribute.get_strategy()
    assert select_strategy("default") is tf.distribute.get_strategy()
    with pytest.raises(ParamsError, match="strategy"):
        select_strategy("tpu")


def test_batches_depend_only_on_seed_epoch_and_index():
    x, y = data()
    a, b = sequence(x, y), sequence(x, y)
    first = [a[i] for i in range(len(a))]
    b.set_epoch(1)
    b_epoch1 = b[0]
    b.set_epoch(0)
    np.testing.assert_array_equal(b[3][0], first[3][0])  # out of order, same batch
    a.on_epoch_end()
    np.testing.assert_array_equal(a[0][0], b_epoch1[0])  # epoch 1 reached by on_epoch_end or set_epoch
    assert not np.array_equal(a[0][1], first[0][1])  # a new order each epoch
    labels = np.concatenate([batch[1] for batch in first])
    assert sorted(labels.tolist()) == sorted(y.tolist())  # every sample once per epoch
    weights = np.concatenate([batch[2] for batch in first])
    np.testing.assert_array_equal(weights, np.array([1.0, 2.0, 0.5], dtype=np.float32)[labels])
    assert not np.array_equal(first[0][0], x[: len(first[0][0])])  # augmented


def test_sequence_carries_dict_targets_and_rejects_bad_weights():
    x, y = data(n=40)
    writers = np.arange(40) // 4
    seq = AugmentedSequence(x, {"label": y, "writer": writers}, batch_size=16, seed=1)
    xb, targets = seq[0]
    assert xb.dtype == np.float32 and set(targets) == {"label", "writer"} and len(targets["writer"]) == 16
    with pytest.raises(ValueError, match="class_weight"):
        AugmentedSequence(x, y, 16, 1, class_weight=[1.0, 1.0])  # 3 classes
    with pytest.raises(ValueError, match="not both"):
        AugmentedSequence(x, y, 16, 1, class_weight=[1.0] * 3, sample_weight=np.ones(40))



def test_a_last_batch_smaller_than_min_last_batch_is_left_to_the_next_epoch():
    x, y = data(n=33)
    seq = AugmentedSequence(x, y, batch_size=16, seed=1)
    assert len(seq) == 3 and len(seq[2][0]) == 1
    seq.min_last_batch = 2  # two replicas: a 1-row batch would leave one of them empty
    assert len(seq) == 2
    seq.min_last_batch = 1
    x, y = data(n=32)
    assert len(AugmentedSequence(x, y, batch_size=16, seed=1)) == 2  # no tail, no extra batch


@pytest.mark.parametrize(("rows", "batch", "replicas", "expected"), [
    (161, 16, 1, 16),  # one replica: never changed
    (161, 16, 2, 15),  # 161 % 16 = 1 row for two replicas; 161 % 15 = 11
    (160, 16, 2, 16),  # no remainder
    (162, 64, 2, 64),  # remainder 34
    (65, 64, 3, 62),   # remainders 1 (64), 2 (63), then 65 % 62 = 3
    (1, 4, 2, 4),      # fewer rows than replicas: nothing helps, the batch stays
])
def test_replica_batch_gives_every_replica_a_row(rows, batch, replicas, expected):
    size = replica_batch(rows, batch, replicas)
    assert size == expected
    if rows >= replicas:
        assert size >= replicas and rows % size in {0, *range(replicas, size)}

def test_grouped_order_is_a_permutation_of_same_writer_runs():
    writers = np.repeat([7, 3, 9, 100], [8, 8, 5, 4])  # cut into runs of 4: 2 + 2 + 2 (4 + 1) + 1 = 7 runs
    order = grouped_order(writers, 4, np.random.default_rng(0))
    assert sorted(order.tolist()) == list(range(len(writers)))
    changes = np.count_nonzero(np.diff(writers[order]))
    assert changes <= 7 - 1  # a plain shuffle of these 25 would change writer ~19 times
    assert not np.array_equal(order, grouped_order(writers, 4, np.random.default_rng(1)))


def test_epoch_log_writes_one_rounded_dvclive_step_per_epoch(tmp_path):
    x, y = data()
    log = tmp_path / "plots" / "training"
    model = small_model()
    model.fit(x, y, validation_data=(x[:32], y[:32]), epochs=3, verbose=0, callbacks=[EpochLog(log)])
    rows = read_epoch_log(log)
    assert [row["step"] for row in rows] == ["0", "1", "2"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(rows[0])
    assert all(len(value.split(".")[-1]) <= 5 for row in rows for value in row.values())
    assert json.loads((log / "metrics.json").read_text())["step"] == 2


def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    x, y = data()
    val = (x[:48], y[:48])
    options = dict(epochs=2, seed=11, patience=5, config={"lr": 0.01})

    whole = small_model()
    whole_history = fit_resumable(whole, sequence(x, y), val, checkpoint_dir=tmp_path / "a", verbose=0, **options)

    first = small_model()
    with pytest.raises(KeyboardInterrupt):
        fit_resumable(first, sequence(x, y), val, checkpoint_dir=tmp_path / "b", log_dir=tmp_path / "b",
                      callbacks=[KillAt(epoch=1)], verbose=0, **options)
    assert latest_checkpoint(tmp_path / "b").name == "epoch-0001"
    before_kill = read_epoch_log(tmp_path / "b")
    assert len(before_kill) == 1

    second = small_model()  # a new process: fresh weights, fresh optimizer
    history = fit_resumable(second, sequence(x, y), val, checkpoint_dir=tmp_path / "b",
                            log_dir=tmp_path / "b", delete_checkpoint=True, verbose=0, **options)
    assert history["epoch"] == [1, 2]
    resumed_log = read_epoch_log(tmp_path / "b")
    assert resumed_log[0] == before_kill[0] and list(resumed_log[0]) == list(before_kill[0])  # same columns
    assert history["val_loss"] == pytest.approx(whole_history["val_loss"], abs=RESUME_ATOL)
    for resumed, uninterrupted in zip(second.get_weights(), whole.get_weights(), strict=True):
        np.testing.assert_allclose(resumed, uninterrupted, atol=RESUME_ATOL)
    assert second.optimizer.iterations.numpy() == whole.optimizer.iterations.numpy()
    assert latest_checkpoint(tmp_path / "b") is None  # deleted on request
    assert latest_checkpoint(tmp_path / "a") is not None  # kept by default


def test_a_checkpoint_from_other_settings_is_not_resumed(tmp_path):
    x, y = data(n=64)
    options = dict(epochs=2, seed=1, checkpoint_dir=tmp_path, verbose=0)
    fit_resumable(small_model(dropout=0.0), sequence(x, y), **{**options, "epochs": 1}, config={"lr": 1})
    history = fit_resumable(small_model(dropout=0.0), sequence(x, y), **options, config={"lr": 2})
    assert history["epoch"] == [1, 2]  # started over: epoch 1 was trained again, not skipped
    assert latest_checkpoint(tmp_path).name == "epoch-0002"


def test_early_stopping_stops_and_restores_the_best_weights(tmp_path):
    x, y = data()
    shifted = (x[:64], (y[:64] + 1) % 3)  # validation labels the training data contradicts
    snapshots = []

    class Snapshot(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.get_weights())

    model = small_model(dropout=0.0)
    history = fit_resumable(model, sequence(x, y), shifted, epochs=10, seed=3, patience=2,
                            checkpoint_dir=tmp_path, callbacks=[Snapshot()], verbose=0)
    val_loss = history["val_loss"]
    best = int(np.argmin(val_loss))
    assert len(val_loss) == best + 3 < 10  # two epochs without improvement, then stop
    for restored, snapshot in zip(model.get_weights(), snapshots[best], strict=True):
        np.testing.assert_array_equal(restored, snapshot)
    again = fit_resumable(small_model(), sequence(x, y), shifted, epochs=10, seed=3, patience=2,
                          checkpoint_dir=tmp_path, verbose=0)
    assert again["epoch"] == history["epoch"]  # a stopped run resumes as finished


def test_throughput_is_timed_images_over_seconds_after_warmup(monkeypatch):
    """A fake clock (10 s -> 12 s around the timed fit): 2 steps x 16 images / 2 s = 16 images/s;
    the warm-up steps are trained but not counted."""
    clock = iter([10.0, 12.0])
    monkeypatch.setattr("kakite.training.loop.time", SimpleNamespace(perf_counter=lambda: next(clock)))
    x, y = data(n=64)
    model = small_model()
    assert train_throughput(model, x, y, batch_size=16, steps=2, warmup=1) == 16.0
    assert int(model.optimizer.iterations) == 3


def test_every_epoch_logs_one_line_that_names_the_model(tmp_path, capfd):
    """A stage trains its baselines in the same process: no log line of theirs may be anonymous."""
    x, y = data(n=64)
    fit_resumable(small_model(dropout=0.0), sequence(x, y), (x[:32], y[:32]), epochs=2, seed=1,
                  checkpoint_dir=tmp_path, label="train_cnn baseline seed")
    lines = [line for line in capfd.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 2, lines  # Keras' own progress lines ("Epoch 1/2", "2/2 - 0s - loss: ...") are gone
    for epoch, line in enumerate(lines, start=1):
        assert line.startswith(f"train_cnn baseline seed: epoch {epoch}/2, "), line
        assert "val_loss " in line and "accuracy " in line


def test_a_silent_fit_logs_nothing(tmp_path, capfd):
    x, y = data(n=64)
    fit_resumable(small_model(dropout=0.0), sequence(x, y), epochs=1, seed=1, checkpoint_dir=tmp_path, verbose=0,
                  label="quiet")
    assert capfd.readouterr().out.strip() == ""
