"""`kith serve` for the benchmarks: started over a workspace on a free port, with the bearer token
and the signed-in session of the data's `bench` user (made by `kith-benchmarks web-data`)."""
import http.cookiejar, re, subprocess, urllib.parse, urllib.request


def start(kith, workspace, folder, env):
    """The server process and its base URL (API throttling off)."""
    server = subprocess.Popen([kith, "serve", "--workspace", workspace, "--port", "0", "--api-rate", "10000000"],
                              cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    return server, re.search(r"(http://127\.0\.0\.1:\d+)/", line).group(1)


def credentials(kith, workspace, folder, env, base):
    """A new API token of `bench` and a browser session of theirs, signed in through the login form."""
    token = subprocess.run([kith, "token", "create", "bench", "--workspace", workspace], cwd=folder, env=env,
                           check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    opener.open(base + "/login", urllib.parse.urlencode(
        {"_csrf": csrf, "login": "bench", "password": "bench-pass", "next": "/"}).encode())
    return token, next(c.value for c in jar if c.name == "kith_session")


def figures(output):
    """What `wrk --latency` printed: req/s, p50 and p99 in ms, errors (non-2xx/3xx and socket), requests."""
    def latency(percent):
        match = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", output)
        return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
    errors = 0
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad: errors += int(bad.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sockets: errors += sum(int(x) for x in sockets.groups())
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, latency(50), latency(99), errors, re.search(r"(\d+) requests in", output).group(1)
