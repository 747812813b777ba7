"""Per-module mutation score from `mutmut results --all true` on stdin, as the markdown table of
tests/mutation_survivors.md (`make mutation` prints it).

Score = (killed + timeout) / (killed + timeout + survived). Mutants with no covering test, or not run, count
in no column of the score and are shown apart; equivalent survivors are subtracted by hand in that file.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

COLUMNS = ("killed", "timeout", "survived", "no tests", "other")
# kakite.core.preprocess.x__scale__mutmut_6 and methods, kakite.core.preprocess.xǁSpecǁ__post_init____mutmut_1
LINE = re.compile(r"^\s*(?P<module>[\w.]+?)\.x(?:_|ǁ)\S*__mutmut_\d+: (?P<status>.+?)\s*$")


def table(lines: list[str]) -> str:
    counts: dict[str, Counter] = defaultdict(Counter)
    for line in lines:
        if match := LINE.match(line):
            status = match["status"] if match["status"] in COLUMNS else "other"
            counts[match["module"].replace(".", "/") + ".py"][status] += 1
    rows = ["| module | " + " | ".join(COLUMNS) + " | score |", "|---" * (len(COLUMNS) + 2) + "|"]
    for module, c in sorted(counts.items()):
        caught = c["killed"] + c["timeout"]
        score = f"{100 * caught / (caught + c['survived']):.1f} %" if caught + c["survived"] else "–"
        rows.append(f"| {module} | " + " | ".join(str(c[k]) for k in COLUMNS) + f" | {score} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(sys.stdin.read().splitlines()))
