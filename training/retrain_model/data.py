"""Label-first CSV without a header, the format of SageMaker's built-in algorithms."""

import csv
from pathlib import Path

import numpy as np


class DataError(ValueError):
    pass


def read_rows(text: str, source: str, with_label: bool) -> tuple[np.ndarray, np.ndarray | None]:
    rows, width = [], None
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        try:
            values = [float(cell) for cell in row]
        except ValueError:
            raise DataError(f"{source} line {number}: {','.join(row)[:80]!r} is not numeric: expected label,feature,... numbers") from None
        if width is None:
            width = len(values)
        elif len(values) != width:
            raise DataError(f"{source} line {number}: {len(values)} columns, expected {width} like line 1")
        rows.append(values)
    if not rows:
        raise DataError(f"{source}: no rows")
    matrix = np.array(rows)
    if not with_label:
        return matrix, None
    if width < 2:
        raise DataError(f"{source}: a label and at least one feature are needed per row, found {width} column")
    return matrix[:, 1:], matrix[:, 0]


def read_channel(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    files = sorted(p for p in directory.glob("**/*") if p.is_file())
    if not files:
        raise DataError(f"channel {directory.name}: no files in {directory}")
    features, labels = [], []
    for path in files:
        x, y = read_rows(path.read_text(), f"{directory.name}/{path.relative_to(directory)}", with_label=True)
        features.append(x)
        labels.append(y)
    widths = {x.shape[1] for x in features}
    if len(widths) > 1:
        raise DataError(f"channel {directory.name}: files have different numbers of features {sorted(widths)}")
    return np.vstack(features), np.concatenate(labels)
