#!/usr/bin/env python3
"""Workspace reload under load: `kith serve` (release) over a copy of the web benchmark's data,
with `wrk` on the API get by id and on the HTML list at once, first without reloads, then while
the workspace reloads (SIGHUP) every 2 seconds, each time with one more field on the customer.
Prints each reload's time (from the system log) and both runs' figures as a Markdown table.

Usage (from the repository root, after `Benchmarks/web.py 100000 --reuse FOLDER` made the data):
  swift build -c release --product kith
  python3 Benchmarks/reload.py FOLDER          (FOLDER is copied; the copy is removed afterwards)
"""
import os, re, shutil, signal, sqlite3, subprocess, sys, tempfile, time, urllib.request, urllib.parse, http.cookiejar

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
server = subprocess.Popen([KITH, "serve", "--workspace", workspace, "--port", "0", "--api-rate", "10000000"],
                          cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
base = re.search(r"(http://127\.0\.0\.1:\d+)/", server.stdout.readline()).group(1)


def wrk(script, path, seconds):
    file = os.path.join(folder, os.path.basename(path.strip("/")) + ".lua")
    with open(file, "w") as out:
        out.write(script)
    return subprocess.Popen(["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-s", file, base + path],
                            stdout=subprocess.PIPE, text=True)


def figures(output):
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    p99 = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return rate, p99, (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0)


try:
    token = subprocess.run([KITH, "token", "create", "bench", "--workspace", workspace], cwd=folder, env=env,
                           check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    opener.open(base + "/login", urllib.parse.urlencode(
        {"_csrf": csrf, "login": "bench", "password": "bench-pass", "next": "/"}).encode())
    session = next(c.value for c in jar if c.name == "kith_session")
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
        results = [figures(run.communicate()[0]) for run in runs]
        rows.append(("while reloading every 2 s" if reloading else "no reload", results))
    time.sleep(1)
    database = sqlite3.connect(f"file:{os.path.join(workspace, 'data', 'kith.sqlite')}?mode=ro", uri=True)
    events = database.execute("SELECT kind, detail FROM kith_event WHERE kind LIKE 'workspace-%' ORDER BY id").fetchall()
    print("| reload | outcome |\n|---|---|")
    for number, (kind, detail) in enumerate(events, 1):
        print(f"| {number} | {detail} |")
    print(f"\n{len(events)} reloads for {RELOADS} signals (a signal that arrives during a reload is folded into the next).\n")
    print("| run | API get req/s (p99 ms) | HTML list req/s (p99 ms) | errors |\n|---|---|---|---|")
    for name, ((get_rate, get_p99, get_bad), (list_rate, list_p99, list_bad)) in rows:
        print(f"| {name} | {get_rate:,.0f} ({get_p99:.1f}) | {list_rate:,.0f} ({list_p99:.1f}) | {get_bad + list_bad} |")
finally:
    server.terminate()
    server.wait(timeout=30)
    shutil.rmtree(folder, ignore_errors=True)
