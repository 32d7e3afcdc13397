#!/usr/bin/env python3
"""Server CPU per request: loads a running `kith serve` with `wrk -t2 -c32` and divides the
server's user+system time (from /proc/PID/stat) by the requests it served; then each busy
thread's share of a core (from /proc/PID/task/*/stat).

Usage: python3 Benchmarks/cpu.py PID URL [WRK_SCRIPT.lua] [SECONDS]
  (SCRIPT "-" for none; a script sets the token or session cookie, as Benchmarks/web.py writes them)
"""
import os, re, subprocess, sys

pid, url = sys.argv[1], sys.argv[2]
script = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] not in ("", "-") else None
seconds = sys.argv[4] if len(sys.argv) > 4 else "6"

def ticks(path=f"/proc/{pid}/stat"):
    fields = open(path).read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime

def threads():
    """Each thread's name and ticks (a thread that ended meanwhile is left out)."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
            found[tid] = (stat[stat.index("(") + 1 : stat.rindex(")")], ticks(f"/proc/{pid}/task/{tid}/stat"))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found

before, threads_before = ticks(), threads()
command = ["wrk", "-t2", "-c32", "-d" + seconds + "s", "--latency"] + (["-s", script] if script else []) + [url]
output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
after, threads_after = ticks(), threads()
requests = int(re.search(r"(\d+) requests in", output).group(1))
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
p99 = re.search(r"99%\s+(\S+)", output).group(1)
print(f"{rate:,.0f} req/s, {1e6 * (after - before) / os.sysconf('SC_CLK_TCK') / requests:.1f} µs server CPU per request, p99 {p99}: {url}")
# Each busy thread's share of a core over the run: the writer at nearly 100% means writes wait on it.
duration = float(seconds)
for tid, (name, spent) in sorted(threads_after.items(), key=lambda item: threads_before.get(item[0], ("", 0))[1] - item[1][1]):
    share = (spent - threads_before.get(tid, (name, 0))[1]) / os.sysconf("SC_CLK_TCK") / duration
    if share >= 0.02:
        print(f"  {100 * share:5.1f}% of a core: thread {tid} {name}")
