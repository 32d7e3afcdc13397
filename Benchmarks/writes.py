#!/usr/bin/env python3
"""Where the writer's time goes, from a `kith serve` run with KITH_WRITE_TRACE=1 (its standard error).

Usage:
  KITH_WRITE_TRACE=1 kith serve ... 2> /tmp/writes.log    (then load it, e.g. web.py's update scenario)
  python3 Benchmarks/writes.py /tmp/writes.log [SLOW_MS]

Prints the batches' sizes and durations, the writer's own checkpoints and those beside it, each
write's time from queued to answered, and what the writes slower than SLOW_MS (20) waited behind:
a batch whose commit checkpointed the log, or a long batch.
"""
import bisect, sys

path = sys.argv[1]
slow_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
batches, writes, checkpoints = [], [], []
for line in open(path, errors="replace"):
    parts = line.split()
    if len(parts) == 5 and parts[0] == "checkpoint":
        checkpoints.append(int(parts[2]))  # µs of a checkpoint beside the writer
    elif len(parts) == 6 and parts[0] == "batch":
        batches.append(tuple(int(p) for p in parts[1:]))  # start, writes, µs, log pages, checkpoint µs
    elif len(parts) == 3 and parts[0] == "write":
        writes.append((int(parts[1]), int(parts[2])))  # queued, µs
if not batches:
    sys.exit("no batch lines: was the server run with KITH_WRITE_TRACE=1?")

def percentiles(values):
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return f"p50 {pick(0.5):.1f}, p90 {pick(0.9):.1f}, p99 {pick(0.99):.1f}, max {values[-1]:.1f}"

batches.sort()
span = (batches[-1][0] + batches[-1][2] - batches[0][0]) / 1e6
busy = sum(b[2] for b in batches) / 1e6
count = sum(b[1] for b in batches)
print(f"{len(batches)} batches, {count} writes in {span:.1f} s; writer busy {100 * busy / span:.0f}%, "
      f"{1e6 * busy / count:.0f} µs per write, {count / len(batches):.1f} writes per batch")
print("batch ms:", percentiles([b[2] / 1000 for b in batches]))
folds = [b for b in batches if b[4]]
print(f"writer checkpoints: {len(folds)}" + (", ms: " + percentiles([b[4] / 1000 for b in folds]) if folds else ""))
if checkpoints:
    print(f"checkpoints beside the writer: {len(checkpoints)}, ms: " + percentiles([c / 1000 for c in checkpoints]))
if writes:
    print("write ms, queued to answered:", percentiles([w[1] / 1000 for w in writes]))
    starts = [b[0] for b in batches]
    slow = [w for w in writes if w[1] > slow_ms * 1000]
    behind = {"a checkpointing batch": 0, "a batch over 10 ms": 0, "neither": 0}
    for queued, time in slow:
        first = max(0, bisect.bisect_right(starts, queued) - 1)
        waited = [b for b in batches[first:first + 16] if b[0] < queued + time and b[0] + b[2] > queued]
        if any(b[4] for b in waited): behind["a checkpointing batch"] += 1
        elif any(b[2] > 10_000 for b in waited): behind["a batch over 10 ms"] += 1
        else: behind["neither"] += 1
    print(f"writes over {slow_ms:g} ms: {len(slow)} ({100 * len(slow) / len(writes):.1f}%), behind " +
          ", ".join(f"{k}: {v}" for k, v in behind.items()))
