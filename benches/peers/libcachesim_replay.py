#!/usr/bin/env python3
"""libCacheSim (PyPI `libcachesim`) as the peer for `cdnsim cache replay`.

Three modes, all offline once the package is installed:

  golden --trace FILE [--policies LRU,FIFO,S3FIFO,SIEVE] [--capacities-mib 128,256,...]
      Exact miss counts and miss bytes per (policy, capacity), as CSV on stdout:
      `policy,capacity_bytes,requests,misses,miss_bytes`. Counted request by request
      through `cache.get(req)` (the same C `get` that `process_trace` calls), so the
      numbers are integers, not ratios rounded back.

  time --trace FILE --capacity BYTES [--policies ...]
      Times libCacheSim's own C replay loop (`cache.process_trace(TraceReader)`,
      i.e. `c_process_trace`) per policy and prints one line per policy:
      `policy requests misses miss_ratio byte_miss_ratio wall_s req_per_s cpu_s req_per_cpu_s`
      (misses = round(miss_ratio * requests); cpu = this thread's CPU time,
      time.thread_time(), the per-core figure on a shared machine).

  zipf --trace-out FILE [--requests N --objects M --alpha A --obj-size B --seed S]
      Writes a Zipf trace made by libCacheSim's own generator (SyntheticReader) as an
      oracleGeneral binary (24-byte records u32 time, u64 id, u32 size, i64 next).

Tested with libcachesim 0.3.5 (manylinux x86_64 wheel, CPython 3.11).
"""

from __future__ import annotations

import argparse
import sys
import time

import libcachesim as lcs

POLICIES = {
    "LRU": lambda size, hp=24: lcs.LRU(size, hashpower=hp),
    "FIFO": lambda size, hp=24: lcs.FIFO(size, hashpower=hp),
    # small 10%, ghost 90%, move-to-main threshold 2 (the defaults)
    "S3FIFO": lambda size, hp=24: lcs.S3FIFO(size, hashpower=hp),
    "SIEVE": lambda size, hp=24: lcs.Sieve(size, hashpower=hp),
    "CLOCK": lambda size, hp=24: lcs.Clock(size, hashpower=hp),
    "ARC": lambda size, hp=24: lcs.ARC(size, hashpower=hp),
}
MIB = 1024 * 1024


def reader(path: str):
    return lcs.TraceReader(path, lcs.TraceType.ORACLE_GENERAL_TRACE)


def golden(args) -> int:
    caps = [int(c) * MIB for c in args.capacities_mib.split(",")]
    print("policy,capacity_bytes,requests,misses,miss_bytes")
    if args.fast:
        # One read for the totals, then libCacheSim's C loop per cache; its
        # ratios times the totals give the counts back exactly (the totals
        # are far below 2^53).
        n = total = 0
        for req in reader(args.trace):
            n += 1
            total += req.obj_size
    for name in args.policies.split(","):
        for cap in caps:
            cache = POLICIES[name](cap)
            if args.fast:
                miss, byte_miss = cache.process_trace(reader(args.trace))
                print(f"{name},{cap},{n},{round(miss * n)},{round(byte_miss * total)}", flush=True)
                continue
            n = misses = miss_bytes = 0
            for req in reader(args.trace):
                n += 1
                if not cache.get(req):
                    misses += 1
                    miss_bytes += req.obj_size
            print(f"{name},{cap},{n},{misses},{miss_bytes}", flush=True)
    return 0


def timing(args) -> int:
    n_req = None
    for name in args.policies.split(","):
        cache = POLICIES[name](args.capacity)
        r = reader(args.trace)
        if n_req is None:
            n_req = sum(1 for _ in reader(args.trace)) if args.count else r.n_total_req
        best = best_cpu = None
        for _ in range(args.repeat):
            cache = POLICIES[name](args.capacity, args.hashpower)
            r = reader(args.trace)
            c0 = time.thread_time()
            t0 = time.perf_counter()
            miss, byte_miss = cache.process_trace(r)
            dt = time.perf_counter() - t0
            dc = time.thread_time() - c0
            best = dt if best is None else min(best, dt)
            best_cpu = dc if best_cpu is None else min(best_cpu, dc)
        print(f"{name} {n_req} {round(miss * n_req)} {miss:.6f} {byte_miss:.6f} {best:.4f} {n_req / best:.0f} "
              f"{best_cpu:.4f} {n_req / best_cpu:.0f}", flush=True)
    return 0


def zipf(args) -> int:
    import numpy as np

    synth = lcs.SyntheticReader(num_of_req=args.requests, num_objects=args.objects, alpha=args.alpha,
                                obj_size=args.obj_size, seed=args.seed, dist="zipf")
    ids = synth.obj_ids
    dt = np.dtype([("t", "<u4"), ("id", "<u8"), ("size", "<u4"), ("next", "<i8")])
    rec = np.empty(args.requests, dtype=dt)
    rec["t"] = np.arange(args.requests, dtype=np.uint64) // 1000
    rec["id"] = ids.astype(np.uint64)
    rec["size"] = args.obj_size
    rec["next"] = -1
    rec.tofile(args.trace_out)
    print(f"wrote {args.requests} requests ({int(np.unique(ids).size)} objects seen) to {args.trace_out}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    g = sub.add_parser("golden")
    g.add_argument("--trace", required=True)
    g.add_argument("--policies", default="LRU,FIFO,S3FIFO,SIEVE")
    g.add_argument("--capacities-mib", default=",".join(str(128 * i) for i in range(1, 9)))
    g.add_argument("--fast", action="store_true",
                   help="use process_trace (C loop) ratios x totals instead of a per-request loop")
    t = sub.add_parser("time")
    t.add_argument("--trace", required=True)
    t.add_argument("--capacity", type=int, required=True, help="bytes")
    t.add_argument("--policies", default="LRU,FIFO,S3FIFO,SIEVE")
    t.add_argument("--repeat", type=int, default=3, help="report the fastest of N runs")
    t.add_argument("--count", action="store_true", help="count requests by reading (skips size-0 ones)")
    t.add_argument("--hashpower", type=int, default=24,
                   help="log2 of libCacheSim's hash table buckets (library default 24)")
    z = sub.add_parser("zipf")
    z.add_argument("--trace-out", required=True)
    z.add_argument("--requests", type=int, default=5_000_000)
    z.add_argument("--objects", type=int, default=1_000_000)
    z.add_argument("--alpha", type=float, default=1.0)
    z.add_argument("--obj-size", type=int, default=4096)
    z.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    return {"golden": golden, "time": timing, "zipf": zipf}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
