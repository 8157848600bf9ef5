"""`make eval`: score the analytics against the seeded generator; one JSON object per line.

python -m bench.eval [--seed N] [--tenants N] [--years N]
"""

from __future__ import annotations

import argparse
import json
import sys

from bench.eval.runner import evaluate


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--tenants", type=int, default=40)
    parser.add_argument("--years", type=int, default=4)
    args = parser.parse_args(argv)
    for line in evaluate(args.seed, args.tenants, args.years):
        print(json.dumps(line, sort_keys=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
