"""`make eval`: score the analytics against the seeded generator; one JSON object per line.

python -m bench.eval [--seed N] [--tenants N] [--years N] [--categorization-tenants FIRST-LAST]
"""

from __future__ import annotations

import argparse
import json
import sys

from bench.eval.runner import evaluate


def _index_range(value: str) -> range:
    """Tenant indices FIRST to LAST, both included: "4-9" is six tenants."""
    first, _, last = value.partition("-")
    indices = range(int(first), int(last or first) + 1)
    if not indices:
        raise argparse.ArgumentTypeError(f"empty tenant range: {value}")
    return indices


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--tenants", type=int, default=40)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument(
        "--categorization-tenants",
        type=_index_range,
        default=None,
        metavar="FIRST-LAST",
        help="tenant indices the categorization suite uses (default: the first 4)",
    )
    args = parser.parse_args(argv)
    for line in evaluate(args.seed, args.tenants, args.years, args.categorization_tenants):
        print(json.dumps(line, sort_keys=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
