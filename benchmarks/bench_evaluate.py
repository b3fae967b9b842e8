"""Benchmark: validate and evaluate 10,000 self-assessments on one core; prints the rate.

Target (issue 2): at least 1,000 evaluations per second on one core of this machine, with
every schema compiled once per version and product type, not per call.

    .venv/bin/python benchmarks/bench_evaluate.py [--count 10000]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import time
import tracemalloc
from pathlib import Path

from checker.assessment import assess_document, checker_for
from checker.criteria import load_set

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TARGET_PER_SECOND = 1000


def make_documents(count: int, seed: int = 2024) -> list[dict]:
    """Varied but valid documents: the examples with answers dropped, failed or stripped of evidence."""
    rng = random.Random(seed)
    bases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("answers-*.json"))]
    docs = []
    for i in range(count):
        doc = copy.deepcopy(bases[i % len(bases)])
        for cid in list(doc["answers"]):
            roll = rng.random()
            if roll < 0.05:
                del doc["answers"][cid]
            elif roll < 0.10:
                doc["answers"][cid].pop("evidence", None)
        docs.append(doc)
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says

    docs = make_documents(args.count)
    pairs = {(d["criteria_version"], d["product_type"]) for d in docs}
    start = time.perf_counter()
    for version, _ in pairs:
        load_set(version)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    for version, product_type in pairs:
        checker_for(version, product_type)
    compile_s = time.perf_counter() - start

    start = time.perf_counter()
    levels: dict[str, int] = {}
    for doc in docs:
        ev = assess_document(doc)
        key = ev.level["id"] if ev.level else "none"
        levels[key] = levels.get(key, 0) + 1
    full_s = time.perf_counter() - start

    start = time.perf_counter()
    for doc in docs:
        checker_for(doc["criteria_version"], doc["product_type"]).evaluate(doc["answers"])
    eval_only_s = time.perf_counter() - start

    tracemalloc.start()
    for doc in docs[:1000]:
        assess_document(doc)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rate = args.count / full_s
    criteria_per_doc = sum(len(d["answers"]) for d in docs) / len(docs)
    print(f"documents: {args.count} ({len(pairs)} version/product-type pairs, {criteria_per_doc:.1f} answers each)")
    print(f"criteria loading and meta-schema validation: {load_s * 1000:.1f} ms")
    print(f"schema compilation, once per pair: {compile_s * 1000:.1f} ms")
    print(
        f"validate + evaluate: {full_s:.2f} s = {rate:,.0f} per second "
        f"({rate / TARGET_PER_SECOND:.2f}x the {TARGET_PER_SECOND}/s target)"
    )
    print(f"evaluate only (already valid): {args.count / eval_only_s:,.0f} per second")
    print(f"peak traced memory over 1,000 assessments: {peak / 1024:.0f} KiB")
    print(f"levels reached: {levels}")


if __name__ == "__main__":
    main()
