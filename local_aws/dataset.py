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
