#!/usr/bin/env python3
"""Walk lengths of the cache index (src/cache/index.rs) replaying a trace
through a FIFO cache of a fixed object count, for docs/performance.md
("2026-12-04 03:30", the index's load bound). A model in Python of the same
hash (Fibonacci hash of id ^ id >> 32, home = top `bits` bits), linear
probing and backward-shift deletion; it counts, it does not time.

    python3 benches/drivers/index_walks.py target/zipf5m.oracleGeneral 1000000 14
    python3 benches/drivers/index_walks.py target/zipf5m.oracleGeneral 1000000 15

Arguments: an oracleGeneral trace (benches/peers/side_by_side.sh writes
target/zipf5m.oracleGeneral), requests to replay, log2 of the buckets;
optional fourth: objects the cache holds (default 10000). Prints probes per
successful and failed lookup and buckets tested per backward shift.
"""
import collections
import struct
import sys

MASK64 = (1 << 64) - 1


def main():
    path, n, bits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    objects = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    size = 1 << bits
    mask = size - 1
    table = [None] * size

    def home(i):
        fp = (((i ^ (i >> 32)) * 0x9E3779B97F4A7C15) & MASK64) >> 32
        return fp >> (32 - bits)

    fifo = collections.deque()
    hit_probes = miss_probes = hits = misses = shifted = 0
    with open(path, "rb") as f:
        for _ in range(n):
            rec = f.read(24)
            if len(rec) < 24:
                break
            _, obj, _, _ = struct.unpack("<IQIq", rec)
            j, p = home(obj), 1
            while table[j] is not None and table[j] != obj:
                j, p = (j + 1) & mask, p + 1
            if table[j] == obj:
                hit_probes, hits = hit_probes + p, hits + 1
                continue
            miss_probes, misses = miss_probes + p, misses + 1
            if len(fifo) >= objects:
                victim = fifo.popleft()
                hole = home(victim)
                while table[hole] != victim:
                    hole = (hole + 1) & mask
                j = hole
                while True:
                    j = (j + 1) & mask
                    b = table[j]
                    if b is None:
                        break
                    shifted += 1
                    h = home(b)
                    stays = (hole < h <= j) if hole <= j else (hole < h or h <= j)
                    if not stays:
                        table[hole], hole = b, j
                table[hole] = None
            j = home(obj)
            while table[j] is not None:
                j = (j + 1) & mask
            table[j] = obj
            fifo.append(obj)
    print(
        f"{size} buckets, {objects} objects ({objects / size:.0%} full): "
        f"successful lookup {hit_probes / max(hits, 1):.2f} probes, "
        f"failed lookup {miss_probes / max(misses, 1):.2f}, "
        f"backward shift {shifted / max(misses, 1):.2f} buckets tested per miss "
        f"({hits} hits, {misses} misses)"
    )


if __name__ == "__main__":
    main()
