#!/usr/bin/env python3
"""Feature preparation for the iris example: the day's raw measurements into the training contract.

Raw CSV (with a header): sepal_length,sepal_width,petal_length,petal_width,species — species
by name, measurements in cm, possibly missing or duplicated. Output: label-first numeric CSV
(label = class index: setosa 0, versicolor 1, virginica 2), training and validation split per
class so both see every species; a missing measurement is the day's median for its species.

Runs on SageMaker's prebuilt scikit-learn image (Python 3 standard library only). Paths come
as arguments: --raw DIR --train DIR --validation DIR --file-name NAME.
"""

import argparse
import csv
import hashlib
import statistics
import sys
from pathlib import Path

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
SPECIES = {"setosa": 0, "versicolor": 1, "virginica": 2}


def species_label(name: str) -> int | None:
    return SPECIES.get(name.strip().lower().removeprefix("iris-"))


def read_raw(directory: Path) -> tuple[list[tuple[int, list[float | None]]], list[str]]:
    rows, problems = [], []
    files = sorted(p for p in directory.rglob("*.csv") if p.is_file())
    if not files:
        raise SystemExit(f"preprocess: no .csv file under {directory}")
    for path in files:
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in (*FEATURES, "species") if column not in (reader.fieldnames or [])]
            if missing:
                raise SystemExit(f"preprocess: {path.name} has no column {', '.join(missing)} (header: {reader.fieldnames}); "
                                 f"expected {','.join((*FEATURES, 'species'))}")
            for number, record in enumerate(reader, start=2):
                label = species_label(record["species"] or "")
                if label is None:
                    problems.append(f"{path.name}:{number}: unknown species {record['species']!r}")
                    continue
                values: list[float | None] = []
                for column in FEATURES:
                    text = (record[column] or "").strip()
                    try:
                        value = float(text) if text else None
                    except ValueError:
                        value = float("nan")
                    values.append(value)
                if any(v is not None and (v != v or v <= 0) for v in values):
                    problems.append(f"{path.name}:{number}: measurement not a positive number")
                    continue
                rows.append((label, values))
    return rows, problems


def impute(rows: list[tuple[int, list[float | None]]]) -> list[list[float]]:
    medians = {}
    for label in SPECIES.values():
        for i in range(len(FEATURES)):
            known = [values[i] for lab, values in rows if lab == label and values[i] is not None]
            medians[label, i] = statistics.median(known) if known else None
    prepared = []
    for label, values in rows:
        filled = [v if v is not None else medians[label, i] for i, v in enumerate(values)]
        if None not in filled:
            prepared.append([float(label), *(round(v, 2) for v in filled)])
    return prepared


def split(rows: list[list[float]], validation_share: float) -> tuple[list[list[float]], list[list[float]]]:
    """Per species, a stable share of rows (by a hash of the row) goes to validation."""
    train, validation = [], []
    for row in rows:
        digest = int(hashlib.sha256(",".join(map(str, row)).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (validation if digest < validation_share else train).append(row)
    return train, validation


def write(rows: list[list[float]], directory: Path, file_name: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / file_name).write_text("".join(",".join(f"{v:g}" for v in row) + "\n" for row in rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=Path("/opt/ml/processing/input/raw"))
    parser.add_argument("--train", type=Path, default=Path("/opt/ml/processing/output/train"))
    parser.add_argument("--validation", type=Path, default=Path("/opt/ml/processing/output/validation"))
    parser.add_argument("--file-name", default="iris.csv")
    parser.add_argument("--validation-share", type=float, default=0.3)
    args = parser.parse_args(argv)
    raw, problems = read_raw(args.raw)
    unique = list({(label, tuple(values)): (label, values) for label, values in raw}.values())
    prepared = impute(unique)
    train, validation = split(prepared, args.validation_share)
    for problem in problems[:10]:
        print(f"preprocess: dropped {problem}", file=sys.stderr)
    absent = sorted(name for name, label in SPECIES.items() if not any(row[0] == label for row in train))
    if not validation or absent:
        raise SystemExit(f"preprocess: {len(prepared)} usable rows of {len(raw) + len(problems)} ({len(problems)} dropped): "
                         + (f"no training rows of {', '.join(absent)}" if absent else "no validation rows"))
    write(train, args.train, args.file_name)
    write(validation, args.validation, args.file_name)
    print(f"preprocess: {len(raw) + len(problems)} raw rows, {len(raw) - len(unique)} duplicates, {len(problems)} dropped; "
          f"{len(train)} training and {len(validation)} validation rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
