"""Import and synth cost of the library against its floors (issue 11 section 5). Not a test.

(a) ``import bedrock_platform`` + one construct vs ``import aws_cdk``;
(b) the consumer app of benchmarks/consumer_app.py synthesized with the library vs its raw-L1 twin
    (whole process work: imports, construction, synth).

Each sample runs in a fresh interpreter and times itself with ``perf_counter`` from its first line
(interpreter start-up excluded); the two sides of a pair run back to back, alternating which goes
first, and the figure is the median of the per-pair ratios (robust to the load of a shared machine).

    python benchmarks/import_bench.py --pairs 11
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMED = "import time\n_t0 = time.perf_counter()\n{body}\nprint(time.perf_counter() - _t0)\n"
CASES = {
    "import": (
        "from bedrock_platform import KnowledgeBase  # noqa",  # package + one construct
        "import aws_cdk  # noqa",
    ),
    "synth": (
        "import sys; sys.path.insert(0, 'benchmarks')\nfrom consumer_app import library_app\nlibrary_app()",
        "import sys; sys.path.insert(0, 'benchmarks')\nfrom consumer_app import l1_app\nl1_app()",
    ),
}


def _sample(body: str) -> float:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    out = subprocess.run([sys.executable, "-c", TIMED.format(body=body)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def paired(case: str, pairs: int) -> dict[str, float]:
    """Median of per-pair ratios (library / floor) and the medians of each side, in seconds."""
    library, floor = CASES[case]
    _sample(library), _sample(floor)  # warm the file cache and the jsii kernel bundle
    ours: list[float] = []
    theirs: list[float] = []
    for index in range(pairs):
        if index % 2:
            theirs.append(_sample(floor))
            ours.append(_sample(library))
        else:
            ours.append(_sample(library))
            theirs.append(_sample(floor))
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return {"ratio": statistics.median(ratios), "library_s": statistics.median(ours),
            "floor_s": statistics.median(theirs), "pairs": pairs}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=11)
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")  # fmt: skip
    for case in args.case or sorted(CASES):
        r = paired(case, args.pairs)
        print(f"{case}: median ratio {r['ratio']:.3f}x  (library median {r['library_s']:.2f} s, "
              f"floor median {r['floor_s']:.2f} s, {r['pairs']} pairs)")  # fmt: skip


if __name__ == "__main__":
    main()
