"""Writes moodle-responses.csv, moodle-responses-no-text.csv and canvas-student-analysis.csv.

Run from the repository root: ``python tests/data/lms/make.py``.  The exam is
``derive exam --family backprop-full-step --family gd-steps -n 3 --seed 2026`` (written to a
temporary folder); the students' numbers are computed here in plain Python (see README.md for
the column layouts and where they are documented).
"""

import csv
import html
import json
import re
import subprocess
import tempfile
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).parent


def r4(value):
    return str(Decimal(repr(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def gd(derivative, x0, rate, added_at=None, forgotten_at=None):
    """Three steps by hand, each from the previous rounded x (a mistake planted at one step)."""
    xs, x = [], x0
    for t in range(3):
        g = derivative(x)
        new = x + rate * g if t == added_at else (x - g if t == forgotten_at else x - rate * g)
        x = float(r4(new))
        xs.append(r4(x))
    return xs


def network(question, slip=False):
    """The key's values at 4 places; with ``slip`` w5+ = w5 + eta * dE/dw5 (the gradient added):
    dE/dw5 = (w5 - w5+) / eta, so w5 + eta * dE/dw5 = 2 w5 - w5+."""
    values = [r4(a["value"]) for a in question["answers"].values()]
    if slip:
        w5 = question["spec"]["weights"][1][0][0]
        values[1] = r4(2 * w5 - question["answers"]["w_new[2,1,1]"]["value"])
    return values


def main():
    folder = Path(tempfile.mkdtemp())
    subprocess.run(["derive", "exam", "--family", "backprop-full-step", "--family", "gd-steps", "-n", "3",
                    "--seed", "2026", "--out", str(folder), "--format", "json,qti"], check=True,
                   capture_output=True)
    variants = json.loads((folder / "answers.json").read_text())["variants"]
    v1, v2, v3 = variants
    # gd-steps of variant 1: f = 0.5 x^2 - 2 x, f' = x - 2, x0 = -1, eta = 0.2;
    # variant 2: f = 0.5 x^4 - x^2, f' = 2 x^3 - 2 x, x0 = 2, eta = 0.1.
    assert v1["questions"][1]["params"] == {"terms": [[0.5, 2, 0], [-2.0, 1, 0]], "x0": [-1.0],
                                            "learning_rate": 0.2, "steps": 3}
    assert v2["questions"][1]["params"] == {"terms": [[0.5, 4, 0], [-1.0, 2, 0]], "x0": [2.0],
                                            "learning_rate": 0.1, "steps": 3}
    d1, d2 = (lambda x: x - 2), (lambda x: 2 * x ** 3 - 2 * x)
    students = [  # (first, last, email, BFS question, its answers, GDS variant, its answers)
        ("Ann", "Archer", "ann@example.edu", v1, network(v1["questions"][0]), v1, gd(d1, -1.0, 0.2)),
        ("Ben", "Baker", "ben@example.edu", v1, network(v1["questions"][0], slip=True), v1,
         gd(d1, -1.0, 0.2, added_at=0)),
        ("Cem", "Cohen", "cem@example.edu", v3, network(v3["questions"][0]), v2, gd(d2, 2.0, 0.1)),
        ("Dana", "Diaz", "dana@example.edu", v3, network(v3["questions"][0]), v2, gd(d2, 2.0, 0.1, forgotten_at=1)),
    ]

    def cloze(values):
        return "; ".join(f"part {n}: {v}" for n, v in enumerate(values, 1))

    def right(question):
        return cloze(format(a["value"], ".12g") for a in question["answers"].values())

    header = ["Surname", "First name", "Email address", "State", "Started on", "Completed", "Time taken",
              "Grade/12.00", "Question 1", "Response 1", "Right answer 1", "Question 2", "Response 2",
              "Right answer 2"]
    rows = []
    for first, last, email, bv, bfs, gv, gds in students:
        qb, qg = bv["questions"][0], gv["questions"][1]
        rows.append([last, first, email, "Finished", "14 December 2026  9:00 AM", "14 December 2026  9:50 AM",
                     "50 mins", "9.00",
                     f"Variant {bv['code']}, question 1 The network below has sigmoid neurons ... E_total = _____",
                     cloze(bfs), right(qb),
                     f"Variant {gv['code']}, question 2 Minimise f(x) by gradient descent ... x_1 = _____",
                     cloze(gds), right(qg)])
    rows.append(["Overall average", "", "", "", "", "", "", "8.50", "", "", "", "", "", ""])
    with open(HERE / "moodle-responses.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([header] + rows)
    keep = [i for i, h in enumerate(header) if not h.startswith("Question")]
    with open(HERE / "moodle-responses-no-text.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([[r[i] for i in keep] for r in [header] + rows[:-1]])

    # Canvas: one column per item, "<id>: <question text without tags>", then its points.
    package = zipfile.ZipFile(folder / "qti.zip")
    name = next(n for n in package.namelist() if n.endswith(".xml") and "/" in n and "meta" not in n)
    items = re.findall(r'<item ident="[^"]+" title="([^"]+)">.*?points_possible</fieldlabel><fieldentry>([^<]+)'
                       r'.*?<mattext texttype="text/html">(.*?)</mattext>', package.read(name).decode(), re.S)
    columns, where = [], []
    for n, (title, points, text) in enumerate(items):
        columns += [f"{5101 + n}: {re.sub(r'<[^>]+>', '', html.unescape(text))}", points]
        code, q, k = re.match(r"(\S+) Q(\d+) \[(\d+)\]", title).groups()
        where.append((code, int(q), int(k)))
    header = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted", "attempt"] + columns + \
        ["n correct", "n incorrect", "score"]
    rows = []
    for number, (first, last, email, bv, bfs, gv, gds) in enumerate(students, 1):
        row = [f"{first} {last}", str(200 + number), f"S{1000 + number}", "UEC630", "77", "", "2026-12-14 09:50:00 UTC", "1"]
        for code, q, k in where:
            if (code, q) == (bv["code"], 1):
                row += [bfs[k - 1], "1.0"]
            elif (code, q) == (gv["code"], 2):
                row += [gds[k - 1], "1.0"]
            else:
                row += ["", ""]
        rows.append(row + ["9", "3", "9.0"])
    with open(HERE / "canvas-student-analysis.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([header] + rows)


if __name__ == "__main__":
    main()
