#!/usr/bin/env python3
"""How fast this machine's disk makes random 4 KiB page writes durable: what a checkpoint does when
it copies the log's pages into the database file and syncs it.

Usage: python3 Benchmarks/disk.py [FOLDER]   (a 400 MB scratch file in FOLDER, /tmp by default)
"""
import os, random, sys, tempfile, time

folder = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
fd, path = tempfile.mkstemp(dir=folder, prefix="kith-disk-")
try:
    pages = 100_000
    os.ftruncate(fd, pages * 4096)
    page = os.urandom(4096)
    for i in range(0, pages, 256):  # allocate the file, as a database's pages are
        os.pwrite(fd, page * 256, i * 4096)
    os.fdatasync(fd)
    print("| pages written, then one fdatasync | ms (median of 5) | pages/s |")
    print("|---|---|---|")
    for count in (1, 10, 100, 1000, 4000):
        times = []
        for _ in range(5):
            for _ in range(count):
                os.pwrite(fd, page, random.randrange(pages) * 4096)
            start = time.perf_counter()
            os.fdatasync(fd)
            times.append(time.perf_counter() - start)
        median = sorted(times)[2]
        print(f"| {count:,} | {1000 * median:.1f} | {count / median:,.0f} |")
finally:
    os.close(fd)
    os.unlink(path)
