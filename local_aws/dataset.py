"""The small CSV dataset seeded into the emulated bucket: iris, label first, no header."""

import json
import random

from sklearn.datasets import load_iris


def iris_rows(seed: int = 0, label_noise: float = 0.0) -> list[list[float]]:
    """Iris rows shuffled by ``seed``; ``label_noise`` of them get a wrong label (a worse day of data)."""
    data = load_iris()
    rows = [[int(label)] + [round(float(v), 1) for v in features] for features, label in zip(data.data, data.target, strict=True)]
    rng = random.Random(seed)
    rng.shuffle(rows)
    for row in rows[: int(len(rows) * label_noise)]:
        row[0] = (row[0] + rng.randint(1, 2)) % 3
    return rows


def to_csv(rows: list[list[float]]) -> bytes:
    return "".join(",".join(str(v) for v in row) + "\n" for row in rows).encode()


STANDARD, HARD, EASY = "standard", "hard", "easy"
BORDERLINE_PETAL_LENGTH = (4.4, 5.2)   # where versicolor and virginica overlap


def _scaled(rows: list[list[float]], drift: float) -> list[list[float]]:
    return [[row[0]] + [round(v * drift, 2) for v in row[1:]] for row in rows]


def training_and_validation(seed: int = 0, label_noise: float = 0.0, drift: float = 1.0, validation: str = STANDARD) -> tuple[bytes, bytes]:
    """One day of data: 70 % of iris (shuffled by ``seed``) for training with ``label_noise``, the rest
    for validation, clean, so the metric measures the model.

    ``drift`` rescales every feature of the day (a recalibrated sensor: yesterday's model no longer
    fits). ``validation`` "hard" flips 10 % of the validation labels (no model can score high that day);
    "easy" validates on every iris row outside the borderline petal lengths (any decent model scores high).
    """
    clean = iris_rows(seed)
    noisy = iris_rows(seed, label_noise)
    cut = int(len(clean) * 0.7)
    held_out = clean[cut:]
    if validation == HARD:
        rng = random.Random(seed + 100)
        held_out = [list(row) for row in held_out]
        for row in rng.sample(held_out, int(len(held_out) * 0.1)):
            row[0] = (row[0] + 1) % 3
    elif validation == EASY:
        low, high = BORDERLINE_PETAL_LENGTH
        held_out = [row for row in iris_rows(seed + 7) if not low <= row[3] <= high]
    elif validation != STANDARD:
        raise ValueError(f"validation {validation!r} is not one of {STANDARD}, {HARD}, {EASY}")
    return to_csv(_scaled(noisy[:cut], drift)), to_csv(_scaled(held_out, drift))


SPECIES = ("Iris-setosa", "Iris-versicolor", "Iris-virginica")
RAW_HEADER = "sepal_length,sepal_width,petal_length,petal_width,species\n"


def raw(seed: int = 0, drift: float = 1.0, broken: bool = False) -> bytes:
    """The day's raw iris as an upstream system delivers it (the preprocess stage's input): a header,
    species by name, label last, a few measurements missing and a few rows twice.
    ``broken`` drops the species column (a changed upstream export)."""
    rows = iris_rows(seed)
    rng = random.Random(seed + 31)
    lines = []
    for index, row in enumerate(rows):
        values = [f"{v * drift:.2f}" for v in row[1:]]
        if index % 17 == 3:
            values[rng.randrange(4)] = ""
        line = ",".join(values) + ("" if broken else f",{SPECIES[int(row[0])]}")
        lines.append(line)
        if index % 29 == 5:
            lines.append(line)
    header = RAW_HEADER.replace(",species", "") if broken else RAW_HEADER
    return (header + "\n".join(lines) + "\n").encode()


def prediction_rows(seed: int = 0, count: int = 24) -> bytes:
    """Rows to predict: features only, no label."""
    return "".join(",".join(str(v) for v in row[1:]) + "\n" for row in iris_rows(seed + 50)[:count]).encode()


def with_text_cell(labelled: bytes) -> bytes:
    """The rows with line 4 broken by a text cell in column 3 (a malformed export)."""
    lines = labelled.splitlines()
    lines[3] = b"1,5.1,three point five,1.4,0.2"
    return b"\n".join(lines) + b"\n"


def features_of(labelled: bytes, count: int = 24) -> bytes:
    """Rows to predict from labelled rows: the first ``count`` of them, label dropped."""
    return b"".join(line.split(b",", 1)[1] + b"\n" for line in labelled.splitlines()[:count] if b"," in line)


class DataError(Exception):
    pass


USER_FILES = ("train.csv", "validation.csv")


OWN_DATA_FILE = "data.csv"


def own_data_parameters(training: bytes, directory, given: dict[str, str]) -> dict[str, str]:
    """The template parameters a run on the user's data needs, unless given: num_class from its labels, and a
    DataFileName that is not iris's."""
    derived = {"Hyperparameters": json.dumps({"objective": "multi:softmax", "num_class": str(class_count(training, directory))}),
               "DataFileName": OWN_DATA_FILE}
    return {**{key: value for key, value in derived.items() if key not in given}, **given}


def class_count(training: bytes, directory) -> int:
    """num_class for the example container: the largest class index in the training labels, plus one (at least 2)."""
    labels = set()
    for number, line in enumerate(training.decode(errors="replace").splitlines(), start=1):
        cell = line.split(",", 1)[0].strip()
        if not cell:
            continue
        try:
            value = float(cell)
        except ValueError:
            raise DataError(f"{directory}/train.csv line {number}: label {cell[:40]!r} is not a class index: the data contract has "
                            "the label first as 0, 1, 2, … and no header row") from None
        if value != int(value) or value < 0:
            raise DataError(f"{directory}/train.csv line {number}: label {cell!r} is not a class index 0, 1, 2, …")
        labels.add(int(value))
    return max(2, max(labels) + 1)


def from_directory(directory) -> tuple[bytes, bytes]:
    """The user's own day of data: DIRECTORY/train.csv and DIRECTORY/validation.csv, as the container reads them."""
    from pathlib import Path

    bodies = []
    for name in USER_FILES:
        path = Path(directory) / name
        try:
            body = path.read_bytes()
        except OSError as error:
            raise DataError(f"{path}: cannot read it ({error.strerror}): --data needs a folder with {' and '.join(USER_FILES)}") from None
        if not body.strip():
            raise DataError(f"{path} is empty: expected CSV rows (label first, no header, for the example container)")
        bodies.append(body)
    return bodies[0], bodies[1]
