"""Writer clustering against hand-worked answers (kakite/writers/clustering.py)."""

import numpy as np
import pytest

from kakite.writers.clustering import ami_by_mean_size, chunk_means, protocol_table, score
from kakite.writers.protocols import top_writers


def test_top_writers_most_images_first_ties_by_id():
    writers = np.array(["c", "a", "b", "b", "c", "a", "d", "d", "d"])  # d: 3, a, b, c: 2 each
    assert top_writers(writers, 2).tolist() == ["a", "d"]  # d, then a (ties by id), returned sorted
    assert top_writers(writers, 3).tolist() == ["a", "b", "d"]


def test_chunk_means_drop_the_short_remainder():
    z = np.arange(10, dtype=float)[:, None]
    writers = np.array(["x"] * 5 + ["y"] * 5)
    means, labels = chunk_means(z, writers, 2)
    assert means.ravel().tolist() == [0.5, 2.5, 5.5, 7.5]  # rows 4 and 9 are remainders
    assert labels.tolist() == ["x", "x", "y", "y"]


def test_chunk_means_average_each_dimension_of_interleaved_writers():
    z = np.array([[0.0, 10.0], [1.0, 30.0], [2.0, 20.0], [5.0, 50.0], [3.0, 40.0]])
    means, labels = chunk_means(z, np.array(["b", "a", "b", "a", "b"]), 2)
    assert means.tolist() == [[3.0, 40.0], [1.0, 15.0]] and labels.tolist() == ["a", "b"]


@pytest.mark.parametrize("method", ["K-Means", "GMM"])
def test_scores_on_a_hand_worked_partition(method):
    """Writers [a, a, b, b]; points at 0, 0.01, 10, 20 with K = 3 fall in {0, 0.01}, {10}, {20}.

    purity: every cluster is one writer -> 1.0.
    ARI by hand: contingency [[2, 0, 0], [0, 1, 1]]; sum C(n_ij, 2) = 1, rows 1 + 1 = 2, columns 1,
    C(4, 2) = 6: expected 2 * 1 / 6 = 1/3, max (2 + 1) / 2 = 1.5, ARI = (1 - 1/3) / (1.5 - 1/3) = 4/7.
    """
    features = np.array([[0.0], [0.01], [10.0], [20.0]])
    got = score(features, np.array(["a", "a", "b", "b"]), k=3, seed=0)[method]
    assert got["purity"] == 1.0
    assert got["ari"] == round(4 / 7, 4)
    assert 0 < got["ami"] < 1  # a split writer is penalised by AMI as well


@pytest.mark.parametrize("method", ["K-Means", "GMM"])
def test_a_perfect_clustering_scores_one_whatever_the_cluster_names(method):
    """Two well-separated writers, image-shaped features (flattened by score)."""
    rng = np.random.default_rng(0)
    features = np.concatenate([rng.normal(0, 0.1, (6, 2, 2)), rng.normal(50, 0.1, (6, 2, 2))])
    writers = np.array(["b"] * 6 + ["a"] * 6)
    assert score(features, writers, k=2, seed=1)[method] == {"purity": 1.0, "ari": 1.0, "ami": 1.0}


@pytest.mark.filterwarnings("ignore:Number of distinct clusters")
@pytest.mark.parametrize(("per_writer_mean", "with_means"), [(2, True), (3, False)])
def test_protocol_table_skips_too_few_means_and_survives_blank_pixels(per_writer_mean, with_means):
    """4 images per writer: means of 2 give 6 points for K = 3 (clustered), means of 3 give 3 (skipped).
    Blank pixels carry no writer at all (AMI 0): the headline ratio divides by 1e-9 instead of 0."""
    writers = np.repeat(np.array(["c", "a", "b"]), 4)
    style = np.repeat([[0.0], [10.0], [20.0]], 4, axis=0) + np.tile([[0.0], [0.1], [0.2], [0.3]], (3, 1))
    table = protocol_table(np.zeros((12, 2, 2)), {"m": (style, style), "n": (style, style)}, writers,
                           per_writer_mean, seed=0)
    means = [("m", f"z_style, mean of {per_writer_mean} (1)")] * with_means
    expected = [("", "raw pixels (4)"), ("m", "z_content (1)"), ("m", "z_style (1)"), *means,
                ("n", "z_content (1)"), ("n", "z_style (1)"), *[("n", f) for _, f in means]]
    assert [(row["model"], row["features"]) for row in table["rows"] if row["method"] == "GMM"] == expected
    by = {(row["model"], row["method"], row["features"]): row for row in table["rows"]}
    assert by[("", "K-Means", "raw pixels (4)")]["ami"] == 0.0
    assert by[("m", "GMM", "z_style (1)")] == {"model": "m", "method": "GMM", "features": "z_style (1)",
                                                "purity": 1.0, "ari": 1.0, "ami": 1.0}
    assert (table["writers"], table["images"]) == (3, 12)
    assert table["ami_ratio_style_vs_pixels_kmeans"] == {"m": 1e9, "n": 1e9}


def test_scores_are_reproducible_for_a_seed():
    """Noise has many equally good partitions: which one K-Means and the GMM find is set by the seed alone."""
    rng = np.random.default_rng(0)
    features, writers = rng.normal(size=(60, 3)), np.repeat(np.array(list("abcde")), 12)
    first = score(features, writers, k=5, seed=0)
    assert score(features, writers, k=5, seed=0) == first
    other = score(features, writers, k=5, seed=1)
    assert all(other[method] != first[method] for method in first), (first, other)
    table = protocol_table(features, {"m": (features, features)}, writers, 3, seed=0)
    assert protocol_table(features, {"m": (features, features)}, writers, 3, seed=0) == table
    by_size = ami_by_mean_size(features, writers, (1, 2), seed=0)
    assert ami_by_mean_size(features, writers, (1, 2), seed=0) == by_size
    assert ami_by_mean_size(features, writers, (1, 2), seed=1) != by_size


def test_ami_by_mean_size_keeps_the_sizes_that_leave_more_means_than_writers():
    """4 images per writer: means of 1 or 2 give 12 or 6 points for K = 3; means of 3 or 4 give 3 (skipped)."""
    writers = np.repeat(np.array(["c", "a", "b"]), 4)
    z = np.repeat([0.0, 10.0, 20.0], 4) + np.tile([0.0, 0.1, 0.2, 0.3], 3)
    assert ami_by_mean_size(z.reshape(12, 1, 1), writers, (1, 2, 3, 4), seed=0) == {1: 1.0, 2: 1.0}
