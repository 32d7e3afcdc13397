#!/usr/bin/env python3
"""Server CPU per request: loads a running `kith serve` with `wrk -t2 -c32` and divides the
server's user+system time (from /proc/PID/stat) by the requests it served.

Usage: python3 Benchmarks/cpu.py PID URL [WRK_SCRIPT.lua] [SECONDS]
  (SCRIPT "-" for none; a script sets the token or session cookie, as Benchmarks/web.py writes them)
"""
import os, re, subprocess, sys

pid, url = sys.argv[1], sys.argv[2]
script = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] not in ("", "-") else None
seconds = sys.argv[4] if len(sys.argv) > 4 else "6"

def ticks():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime

before = ticks()
command = ["wrk", "-t2", "-c32", "-d" + seconds + "s", "--latency"] + (["-s", script] if script else []) + [url]
output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
after = ticks()
requests = int(re.search(r"(\d+) requests in", output).group(1))
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
p99 = re.search(r"99%\s+(\S+)", output).group(1)
print(f"{rate:,.0f} req/s, {1e6 * (after - before) / os.sysconf('SC_CLK_TCK') / requests:.1f} µs server CPU per request, p99 {p99}: {url}")
