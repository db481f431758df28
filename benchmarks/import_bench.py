"""Import and synth cost of the library against its floors (issue 11 section 5). Not a test.

(a) ``import bedrock_platform`` + one construct vs ``import aws_cdk``;
(b) the consumer app of benchmarks/consumer_app.py synthesized with the library vs its raw-L1 twin
    (whole process work: imports, construction, synth); ``synth-cfnresource`` against the stricter
    untyped-``CfnResource`` twin.

Each sample runs in a fresh interpreter and times itself with ``perf_counter`` from its first line
(interpreter start-up excluded); the two sides of a pair run back to back, alternating which goes
first, and the figure is the median of the per-pair ratios (robust to the load of a shared machine),
with the lowest and highest pair ratio and the quartiles as the spread. The CPU ratio (user + system
time of the whole process tree: Python, the jsii Node host and its kernel) is printed too: it is far
less sensitive to other jobs on the machine than wall time.

Both sides read compiled bytecode, as an installed package does: the samples share one
``PYTHONPYCACHEPREFIX`` (a directory in the system temp dir, filled by the warm-up pair), because with
``PYTHONDONTWRITEBYTECODE=1`` (set in some shells and CI images) the library, run from a checkout,
would compile its sources in every run while aws-cdk-lib reads the ``.pyc`` pip wrote at install.

    python benchmarks/import_bench.py --pairs 11
    python benchmarks/import_bench.py --case synth --pairs 15 --verbose   # one line per pair
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMED = "import time\n_t0 = time.perf_counter()\n{body}\nprint(time.perf_counter() - _t0)\n"
CASES = {
    "import": (
        "from bedrock_platform import KnowledgeBase  # noqa",  # package + one construct
        "import aws_cdk  # noqa",
    ),
    "synth": (  # the floor the issue names: the same resources in raw L1 (typed L1 classes)
        "import sys; sys.path.insert(0, 'benchmarks')\nfrom consumer_app import library_app\nlibrary_app()",
        "import sys; sys.path.insert(0, 'benchmarks')\nfrom consumer_app import l1_app\nl1_app()",
    ),
    "synth-cfnresource": (  # a stricter floor: untyped CfnResource, no service module loaded at all
        "import sys; sys.path.insert(0, 'benchmarks')\nfrom consumer_app import library_app\nlibrary_app()",
        "import sys; sys.path.insert(0, 'benchmarks')\nfrom consumer_app import cfn_resource_app\ncfn_resource_app()",
    ),
}
PYCACHE = Path(tempfile.gettempdir()) / "bedrock_platform_bench_pycache"


def _environment() -> dict[str, str]:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _sample(body: str) -> tuple[float, float]:
    """(wall seconds from the sample's first line, CPU seconds of its whole process tree)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", TIMED.format(body=body)], cwd=ROOT, env=_environment(),
                         capture_output=True, text=True, check=True)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(out.stdout.strip().splitlines()[-1]), cpu


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 4:
        return min(values), max(values)
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def paired(case: str, pairs: int, *, verbose: bool = False) -> dict[str, float]:
    """Median, spread and quartiles of per-pair ratios (library / floor), and each side's medians."""
    library, floor = CASES[case]
    _sample(library), _sample(floor)  # warm the file cache, the bytecode cache and the jsii package cache
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for index in range(pairs):
        if index % 2:
            theirs.append(_sample(floor))
            ours.append(_sample(library))
        else:
            ours.append(_sample(library))
            theirs.append(_sample(floor))
        if verbose:
            (a, ac), (b, bc) = ours[-1], theirs[-1]
            print(f"  pair {index + 1}: library {a:.3f} s ({ac:.2f} s CPU), floor {b:.3f} s ({bc:.2f} s CPU), "
                  f"ratio {a / b:.3f}x (CPU {ac / bc:.3f}x)", flush=True)  # fmt: skip
    ratios = [a / b for (a, _), (b, _) in zip(ours, theirs, strict=True)]
    cpu_ratios = [a / b for (_, a), (_, b) in zip(ours, theirs, strict=True)]
    q1, q3 = _quartiles(ratios)
    return {
        "ratio": statistics.median(ratios), "min": min(ratios), "max": max(ratios), "q1": q1, "q3": q3,
        "cpu_ratio": statistics.median(cpu_ratios), "cpu_min": min(cpu_ratios), "cpu_max": max(cpu_ratios),
        "library_s": statistics.median(a for a, _ in ours), "floor_s": statistics.median(b for b, _ in theirs),
        "library_cpu_s": statistics.median(a for _, a in ours), "floor_cpu_s": statistics.median(b for _, b in theirs),
        "pairs": pairs,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=11)
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--verbose", action="store_true", help="print every pair")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()} {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")  # fmt: skip
    for case in args.case or sorted(CASES):
        r = paired(case, args.pairs, verbose=args.verbose)
        print(f"{case}: median ratio {r['ratio']:.3f}x (min {r['min']:.3f}x, max {r['max']:.3f}x, "
              f"quartiles {r['q1']:.3f}-{r['q3']:.3f}x); library median {r['library_s']:.2f} s, "
              f"floor median {r['floor_s']:.2f} s; CPU ratio {r['cpu_ratio']:.3f}x "
              f"(min {r['cpu_min']:.3f}x, max {r['cpu_max']:.3f}x; {r['library_cpu_s']:.2f} s vs "
              f"{r['floor_cpu_s']:.2f} s); {r['pairs']} pairs", flush=True)  # fmt: skip
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
