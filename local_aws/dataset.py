"""The small CSV dataset seeded into the emulated bucket: iris, label first, no header."""

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


def training_and_validation(seed: int = 0, label_noise: float = 0.0) -> tuple[bytes, bytes]:
    """Training data with ``label_noise``; validation always clean, so the metric measures the model."""
    clean = iris_rows(seed)
    noisy = iris_rows(seed, label_noise)
    cut = int(len(clean) * 0.7)
    return to_csv(noisy[:cut]), to_csv(clean[cut:])


class DataError(Exception):
    pass


USER_FILES = ("train.csv", "validation.csv")


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
