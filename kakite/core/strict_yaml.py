"""YAML read strictly: a key given twice is an error, and every error is one line naming file and line.

WHY: plain YAML keeps the last of two equal keys without a word, so a params.yaml with `epochs: 3`
pasted under an old `epochs: 30` trains for 3 epochs while the reader sees 30; and PyYAML's own
messages span several lines. Safe loading only (no Python objects).
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from kakite.core.errors import ParamsError


def read(path: Path) -> Any:
    """The document in path, as yaml.safe_load gives it; ParamsError (one line, with the line number)."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except OSError as exc:
        raise ParamsError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ParamsError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise ParamsError(_one_line(exc, path)) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load that refuses a key given twice in one mapping (plain YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        lines: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in lines:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r} (first on line {lines[key]})",
                                           problem_mark=key_node.start_mark)
            if isinstance(key, Hashable):
                lines[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def _one_line(exc: yaml.YAMLError, path: Path) -> str:
    """One line: file:line: what is wrong (PyYAML's own text spans several lines)."""
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark else str(path)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    return f"{where}: not valid YAML: {problem}"


