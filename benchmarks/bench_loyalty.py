"""Benchmark: loyalty scores at N transactions, pure Python vs the vectorized twin.

    .venv/bin/python benchmarks/bench_loyalty.py --transactions 10000000 [--users 100000]

Each variant runs in its own process (so its peak memory is its own) over the same
deterministic feed: user ids and amounts (cents) from a seeded generator. Prints
transactions per second and peak memory, and checks both give the same scores.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_process  # noqa: E402

WORKER = r"""
import hashlib, json, sys, time
from decimal import Decimal
import numpy as np
import pyarrow as pa
from shopsight.transforms.loyalty import compute_loyalty_scores, compute_loyalty_scores_arrow

variant, n, users = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(7)
user_ids = rng.integers(1, users + 1, n)
cents = rng.integers(-500, 50_000, n)
repeat = rng.random(n) < 0.4
started = time.perf_counter()
if variant == "python":
    def feed():
        for u, c, r in zip(user_ids.tolist(), cents.tolist(), repeat.tolist()):
            yield {"user_id": u, "transaction_amount": Decimal(c).scaleb(-2),
                   "is_repeat_purchase": r}
    scores = [(s["user_id"], str(s["loyalty_score"].normalize()))
              for s in compute_loyalty_scores(feed())]
else:
    words = np.zeros((n, 2), dtype=np.int64)
    words[:, 0], words[:, 1] = cents, np.where(cents < 0, -1, 0)
    amounts = pa.Array.from_buffers(pa.decimal128(18, 2), n, [None, pa.py_buffer(words.tobytes())])
    table = pa.table({"user_id": user_ids, "transaction_amount": amounts,
                      "is_repeat_purchase": repeat})
    result = compute_loyalty_scores_arrow(table).to_pylist()
    scores = [(s["user_id"], str(s["loyalty_score"].normalize())) for s in result]
seconds = time.perf_counter() - started
digest = hashlib.sha256(json.dumps(scores).encode()).hexdigest()
print(json.dumps({"seconds": seconds, "users": len(scores), "digest": digest}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    results = {}
    for variant in ("python", "vectorized"):
        _, peak, out = timed_process(
            [sys.executable, "-c", WORKER, variant, str(args.transactions), str(args.users)]
        )
        result = json.loads(out)
        results[variant] = result
        print(
            f"{variant}: {args.transactions / result['seconds']:,.0f} transactions/s "
            f"({result['seconds']:.1f} s for {args.transactions:,}), peak {peak:,.0f} MB, "
            f"{result['users']:,} users"
        )
    same = results["python"]["digest"] == results["vectorized"]["digest"]
    print(
        f"identical scores: {same}; speed-up "
        f"{results['python']['seconds'] / results['vectorized']['seconds']:.1f}x"
    )


if __name__ == "__main__":
    main()
