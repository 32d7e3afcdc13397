#!/usr/bin/env python3
"""Which tables and indexes a workload writes: the pages in a copy of a running database's log
(`kith.sqlite-wal`), by the B-tree each page belongs to.

Usage:
  cp workspace/data/kith.sqlite-wal /tmp/copy.wal     (while the server runs, at the end of the load;
                                                       then stop the server: it folds the log in)
  python3 Benchmarks/wal.py workspace/data/kith.sqlite /tmp/copy.wal [OPERATIONS]

Pages past the end of the database file as it is are counted as "new page". With OPERATIONS (the
writes the log holds, e.g. from KITH_WRITE_TRACE), figures are per operation. Frames from before
the log last started over (another salt) are left out.
"""
import collections, sqlite3, struct, sys

database, log = sys.argv[1], sys.argv[2]
operations = int(sys.argv[3]) if len(sys.argv) > 3 else 1
owner = dict(sqlite3.connect(f"file:{database}?mode=ro", uri=True).execute("SELECT pageno, name FROM dbstat"))
frames, distinct, commits, total = collections.Counter(), collections.defaultdict(set), 0, 0
with open(log, "rb") as f:
    header = f.read(32)
    size, salts = struct.unpack(">I", header[8:12])[0], header[16:24]
    while True:
        frame = f.read(24)
        if len(frame) < 24 or frame[8:16] != salts:
            break
        page, commit = struct.unpack(">II", frame[:8])
        f.seek(size, 1)
        name = owner.get(page, "new page")
        frames[name] += 1
        distinct[name].add(page)
        total += 1
        commits += commit != 0
per = f" per operation ({operations:,})" if operations > 1 else ""
figure = (lambda n: f"{n / operations:.2f}") if operations > 1 else (lambda n: f"{n:,}")
print(f"{total:,} frames in {commits:,} commits{per}: {figure(total)} frames, "
      f"{figure(sum(len(p) for p in distinct.values()))} distinct pages")
print(f"| B-tree | frames{per} | distinct pages{per} |")
print("|---|---|---|")
for name, count in frames.most_common(20):
    print(f"| {name} | {figure(count)} | {figure(len(distinct[name]))} |")
