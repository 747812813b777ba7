"""The page's meta.json: the revision DVC would record, and the exported model's test accuracy."""

from __future__ import annotations

import numpy as np

from kakite.export import webmeta


def test_revision_is_the_hash_dvc_writes_for_the_model_folder(tmp_path):
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.bin").write_bytes(b"ab")
    (folder / "sub" / "b.txt").write_bytes(b"c\r\nd\n")  # no newline conversion, as DVC 3
    (folder / "empty").write_bytes(b"")
    # `dvc add folder` (DVC 3.67) wrote this md5 into folder.dvc for these three files
    assert webmeta.dvc_dir_md5(folder) == "b525292c220f66e679a2c2ac8d9b3536.dir"
    (folder / "a.bin").write_bytes(b"ac")
    assert webmeta.dvc_dir_md5(folder) != "b525292c220f66e679a2c2ac8d9b3536.dir"


def test_accuracy_summary_overall_and_by_domain():
    probs = np.eye(3)[[0, 1, 2, 0]]
    summary = webmeta.accuracy_summary(probs, np.array([0, 1, 1, 0]), np.array(["typeset", "strokes", "strokes", "x"]))
    assert summary == {"test": 0.75, "n": 4, "by_domain": {"strokes": 0.5, "typeset": 1.0, "x": 1.0}}
