#!/usr/bin/env python3
"""Workspace reload under load: `kith serve` (release) over a copy of the web benchmark's data,
with `wrk` on the API get by id and on the HTML list at once, first without reloads, then while
the workspace reloads (SIGHUP) every 2 seconds, each time with one more field on the customer.
Prints each reload's time (from the system log) and both runs' figures as a Markdown table.

Usage (from the repository root, after `Benchmarks/web.py 100000 --reuse FOLDER` made the data):
  swift build -c release --product kith
  python3 Benchmarks/reload.py FOLDER          (FOLDER is copied; the copy is removed afterwards)
"""
import os, shutil, signal, sqlite3, subprocess, sys, tempfile, time

import served

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KITH = os.environ.get("KITH", os.path.join(REPO, ".build/release/kith"))
RELOADS = 6

source = sys.argv[1]
folder = tempfile.mkdtemp(prefix="kith-reload-bench-")
shutil.copytree(os.path.join(source, "workspace"), os.path.join(folder, "workspace"))
workspace = os.path.join(folder, "workspace")
modules = os.path.join(workspace, "modules")
os.makedirs(modules, exist_ok=True)
env = dict(os.environ, KITH_HOME=REPO, KITH_LOG="error")
server, base = served.start(KITH, workspace, folder, env)


def wrk(script, path, seconds):
    file = os.path.join(folder, os.path.basename(path.strip("/")) + ".lua")
    with open(file, "w") as out:
        out.write(script)
    return subprocess.Popen(["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", file, base + path],
                            stdout=subprocess.PIPE, text=True)


try:
    token, session = served.credentials(KITH, workspace, folder, env, base)
    get = (f'wrk.headers["Authorization"] = "Bearer {token}"\n'
           'request = function() return wrk.format("GET", "/api/v1/customer/" .. math.random(1, 100000)) end\n')
    listing = f'wrk.headers["Cookie"] = "kith_session={session}"\n'
    seconds = 2 * RELOADS + 2
    rows = []
    for reloading in (False, True):
        runs = [wrk(get, "/api/v1/customer", seconds), wrk(listing, "/e/customer", seconds)]
        if reloading:
            for number in range(1, RELOADS + 1):
                time.sleep(2)
                fields = "".join(f'<field name="reload_{n}" type="text" max="40" label="Reload {n}"/>' for n in range(1, number + 1))
                with open(os.path.join(modules, "reload_bench.xml"), "w") as out:
                    out.write(f'<module xmlns="urn:kith:1" name="reload_bench" version="1"><extend entity="customer">{fields}</extend></module>')
                server.send_signal(signal.SIGHUP)
        results = [served.figures(run.communicate()[0]) for run in runs]
        rows.append(("while reloading every 2 s" if reloading else "no reload", results))
    time.sleep(1)
    database = sqlite3.connect(f"file:{os.path.join(workspace, 'data', 'kith.sqlite')}?mode=ro", uri=True)
    events = database.execute("SELECT detail FROM kith_event WHERE kind LIKE 'workspace-%' ORDER BY id").fetchall()
    print("| reload | outcome |\n|---|---|")
    for number, (detail,) in enumerate(events, 1):
        print(f"| {number} | {detail} |")
    print(f"\n{len(events)} reloads for {RELOADS} signals (a signal that arrives during a reload is folded into the next).\n")
    print("| run | API get req/s (p99 ms) | HTML list req/s (p99 ms) | errors |\n|---|---|---|---|")
    for name, ((get_rate, _, get_p99, get_bad, _), (list_rate, _, list_p99, list_bad, _)) in rows:
        print(f"| {name} | {get_rate:,.0f} ({get_p99:.1f}) | {list_rate:,.0f} ({list_p99:.1f}) | {get_bad + list_bad} |")
finally:
    server.terminate()
    server.wait(timeout=30)
    shutil.rmtree(folder, ignore_errors=True)
