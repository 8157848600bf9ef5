"""`make bench`: run the benchmarks and print their figures (copy them into BENCHMARKS.md).

python -m bench [NAME ...]   (default: all)
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "platform": "bench.platform_bench",
    "operator": "bench.operator_bench",
    "parsers": "bench.parsers_bench",
    "ingestion": "bench.ingestion_bench",
    "web": "bench.web_bench",
    "analytics": "bench.analytics_bench",
    "analytics_scaling": "bench.analytics_scaling_bench",
    "fairness": "bench.fairness_bench",
    "api": "bench.api_bench",
    "anomaly_scaling": "bench.anomaly_scaling_bench",
    "load": "bench.load_bench",
    "upgrade": "bench.upgrade_bench",
    "soak": "bench.soak_bench",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        print(f"== {name}", flush=True)
        importlib.import_module(BENCHMARKS[name]).main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
