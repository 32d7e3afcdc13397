#!/usr/bin/env python3
"""The web benchmark: `kith serve` (release) over 100,000 customers with 3 contacts and 2
opportunities each, loaded with `wrk -t2 -c32 -d10s` on 127.0.0.1, beside a plain-text route of
the same server in the same run. Prints a Markdown table (kept in Benchmarks/README.md).

Usage (from the repository root):
  swift build -c release --product kith && swift build -c release --product kith-benchmarks
  python3 Benchmarks/web.py [CUSTOMERS] [--reuse FOLDER]   (FOLDER keeps the data for the next run)
  KITH=/tmp/kith-before python3 Benchmarks/web.py ...     (another build of kith; wrk from Debian's `wrk`)
  ROUNDS=3 python3 Benchmarks/web.py ...                  (each scenario 3 times in a row, a row per round:
                                                           how the first seconds after start differ from later ones)
"""
import os, subprocess, sys, tempfile, time

import served

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# KITH and KITH_BENCHMARKS name other builds (an earlier one kept aside, to compare in one sitting).
KITH = os.environ.get("KITH", os.path.join(REPO, ".build/release/kith"))
BENCH = os.environ.get("KITH_BENCHMARKS", os.path.join(REPO, ".build/release/kith-benchmarks"))
DURATION = os.environ.get("DURATION", "10s")
ROUNDS = int(os.environ.get("ROUNDS", "1"))

args = [a for a in sys.argv[1:]]
reuse = None
if "--reuse" in args:
    reuse = args[args.index("--reuse") + 1]
    args.remove("--reuse"); args.remove(reuse)
customers = int(args[0]) if args else 100_000

folder = reuse or tempfile.mkdtemp(prefix="kith-web-bench-")
os.makedirs(folder, exist_ok=True)
workspace = os.path.join(folder, "workspace")
env = dict(os.environ, KITH_HOME=REPO, KITH_LOG="error")
if not os.path.exists(os.path.join(workspace, "workspace.xml")):
    subprocess.run([BENCH, "web-data", workspace, str(customers)], cwd=REPO, env=env, check=True)

server, base = served.start(KITH, workspace, folder, env)
try:
    token, session = served.credentials(KITH, workspace, folder, env, base)

    scripts = tempfile.mkdtemp(prefix="kith-wrk-")
    def script(name, body):
        path = os.path.join(scripts, name + ".lua")
        with open(path, "w") as f:
            f.write(body)
        return path
    n = customers
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    cookie = f'wrk.headers["Cookie"] = "kith_session={session}"\n'
    # Each wrk thread numbers itself and seeds its own random numbers from the run's time: unseeded,
    # both threads would ask for the same records in the same order, run after run, and half the
    # updates would set a phone to the value the other thread had just given it (no change, so
    # nothing written).
    seeded = ('local threads = 0\nfunction setup(thread) threads = threads + 1; thread:set("thread", threads) end\n'
              'function init(args) math.randomseed(os.time() * 10 + thread) end\n')
    scenarios = [
        ("plain-text route (`/ping`)", "/ping", None),
        ("API get by id", "/", script("get", auth + seeded + f'request = function() return wrk.format("GET", "/api/v1/customer/" .. math.random(1, {n})) end\n')),
        ("API list, filtered + sorted, page of 50", "/api/v1/customer?level=gold&sort=-name&limit=50", script("list", auth)),
        ("API update", "/", script("update", auth + seeded + 'wrk.headers["Content-Type"] = "application/json"\n'
            f'request = function() return wrk.format("PATCH", "/api/v1/customer/" .. math.random(1, {n}), nil, string.format(\'{{"phone": "021-%d"}}\', math.random(1, 99999999))) end\n')),
        ("HTML list page", "/e/customer", script("html_list", cookie)),
        ("HTML edit form", "/", script("html_edit", cookie + seeded + f'request = function() return wrk.format("GET", "/e/customer/" .. math.random(1, {n}) .. "/edit") end\n')),
        # New customers that look like no stored one (the duplicate rules compare names and
        # phones): each wrk thread numbers its own, after this run's time.
        ("API create", "/", script("create", auth + seeded + 'wrk.headers["Content-Type"] = "application/json"\n'
            # The time the script loads (each run loads it anew: rounds number their own).
            'local i = 0\nlocal start = os.time() % 100000\nrequest = function() i = i + 1\n'
            '  local key = string.format("%05d%d%07d", start, thread, i)\n'
            '  return wrk.format("POST", "/api/v1/customer", nil, string.format(\'{"name": "Customer 0 new %s", "phone": "021-%s"}\', key, key)) end\n')),
    ]
    rows = []
    for name, path, lua in scenarios:
        for round in range(1, ROUNDS + 1):
            command = ["wrk", "-t2", "-c32", "-d" + DURATION, "--latency"] + (["-s", lua] if lua else []) + [base + path]
            output = subprocess.run(command, capture_output=True, text=True).stdout
            rows.append((name + (f", round {round}" if ROUNDS > 1 else ""),) + served.figures(output))
            time.sleep(1)
    plain = rows[0][1]
    print(f"{customers:,} customers, {3 * customers:,} contacts, {2 * customers:,} opportunities; wrk -t2 -c32 -d{DURATION}, 2 cores shared by wrk and Kith.\n")
    print("| scenario | req/s | vs plain route | p50 (ms) | p99 (ms) | errors / requests |")
    print("|---|---|---|---|---|---|")
    for name, rate, p50, p99, errors, total in rows:
        print(f"| {name} | {rate:,.0f} | {rate / plain:.2f}x | {p50:.2f} | {p99:.2f} | {errors} / {total} |")
finally:
    server.terminate()
    server.wait(timeout=10)
