#!/usr/bin/env python3
"""Import speed: `kith import` of N new customers into a fresh demo workspace, with and without
the duplicate check, then N contacts whose customer is given by id or by name.

Usage: KITH=.build/release/kith python3 Benchmarks/import.py [N]   (N defaults to 20000)
Each import runs on a fresh copy of the same workspace, twice, in alternating order.
"""
import os, random, shutil, subprocess, sys, tempfile, time

KITH = os.environ.get("KITH", os.path.join(os.path.dirname(__file__), "..", ".build", "release", "kith"))
n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
env = dict(os.environ, KITH_HOME=os.path.abspath(os.path.join(os.path.dirname(__file__), "..")), KITH_LOG="error")
root = tempfile.mkdtemp(prefix="kith-import-")
random.seed(7)

def kith(folder, *args):
    return subprocess.run([KITH, *args], cwd=folder, env=env, check=True, capture_output=True, text=True).stdout

def timed(base, *args):
    folder = os.path.join(root, "run")
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base, folder)
    start = time.monotonic()
    kith(folder, *args)
    return time.monotonic() - start

customers = os.path.join(root, "customers.csv")
with open(customers, "w") as f:
    f.write("name,phone,industry,city\n")
    for i in range(n):
        f.write(f"Import Test Company {i},0{random.randint(10, 99)}-{random.randint(10000000, 99999999)},manufacturing,Shanghai\n")
demo = os.path.join(root, "demo")
os.makedirs(demo)
kith(demo, "demo")
with_customers = os.path.join(root, "with-customers")
shutil.copytree(demo, with_customers)
kith(with_customers, "import", "customer", customers, "--allow-duplicates")
first = int(subprocess.run(["sqlite3", os.path.join(with_customers, "workspace/data/kith.sqlite"),
                            "SELECT min(id) FROM e_customer WHERE name = 'Import Test Company 0'"], capture_output=True, text=True).stdout)
by_id, by_name = os.path.join(root, "contacts-id.csv"), os.path.join(root, "contacts-name.csv")
with open(by_id, "w") as ids, open(by_name, "w") as names:
    ids.write("name,customer,mobile\n")
    names.write("name,customer,mobile\n")
    for i in range(n):
        c, phone = random.randrange(n), f"139{random.randint(10000000, 99999999)}"
        ids.write(f"Person {i},{first + c},{phone}\n")
        names.write(f"Person {i},Import Test Company {c},{phone}\n")

runs = [
    ("customers, duplicate rules checked", demo, ("import", "customer", customers)),
    ("customers, `--allow-duplicates` (no check)", demo, ("import", "customer", customers, "--allow-duplicates")),
    ("contacts, customer by id", with_customers, ("import", "contact", by_id, "--allow-duplicates")),
    ("contacts, customer by name", with_customers, ("import", "contact", by_name, "--allow-duplicates")),
]
seconds = {label: [] for label, _, _ in runs}
for round in range(2):
    for label, base, args in (runs if round == 0 else list(reversed(runs))):
        seconds[label].append(timed(base, *args))
print(f"{n:,} rows per import, each on a fresh copy, two rounds in opposite orders.\n")
print("| import | seconds | rows/s |\n|---|---|---|")
for label, values in seconds.items():
    print(f"| {label} | {', '.join(f'{s:.2f}' for s in values)} | {', '.join(f'{n / s:,.0f}' for s in values)} |")
shutil.rmtree(root, ignore_errors=True)
