"""Are the day's files what the training container reads? Checked before a training job is paid for.

The data contract (docs/bring-your-own-model.md): CSV, no header, numbers only, the label first as a class index
0..num_class-1, the same columns in training and validation. The first ``HEAD_BYTES`` of each file
are read with one ranged GET (botocore s3 `GetObjectRequest.Range`, HTTP `bytes=0-N`; the whole file
when it is smaller); a failure names the file, the line, the column and what was expected.
"""

import csv
import math
from typing import Any

from pipeline_common.aws import retryable_errors
from pipeline_common.errors import DataInvalid

HEAD_BYTES = 64 * 1024


def head_lines(s3, bucket: str, key: str, size: int) -> list[str]:
    """The file's first lines (all of them when it fits in HEAD_BYTES; a cut last line is left out)."""
    ranged = size > HEAD_BYTES
    with retryable_errors(f"GetObject s3://{bucket}/{key}"):
        body = s3.get_object(Bucket=bucket, Key=key, **({"Range": f"bytes=0-{HEAD_BYTES - 1}"} if ranged else {}))["Body"].read()
    text = body.decode("utf-8", errors="replace")
    lines = text.splitlines()
    return lines[:-1] if ranged and not text.endswith("\n") else lines


def check_rows(uri: str, lines: list[str], num_class: int | None) -> int:
    """The number of columns of the file's rows; DataInvalid naming line and column for the first that breaks the contract."""
    width = None
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        values = []
        for column, cell in enumerate(row, start=1):
            try:
                value = float(cell)
            except ValueError:
                if number == 1:
                    raise DataInvalid(f"{uri} line 1 looks like a header ({','.join(row)[:80]!r}): the data contract has no header row, "
                                      "only numbers (label first)") from None
                raise DataInvalid(f"{uri} line {number} column {column}: {cell.strip()[:40]!r} is not a number: "
                                  "every column must be numeric (label first)") from None
            if not math.isfinite(value):
                raise DataInvalid(f"{uri} line {number} column {column}: {cell.strip()!r} is not a finite number")
            values.append(value)
        if width is None:
            width = len(values)
            if width < 2:
                raise DataInvalid(f"{uri} line {number}: {width} column: expected the label and at least one feature")
        elif len(values) != width:
            raise DataInvalid(f"{uri} line {number}: {len(values)} columns, expected {width} like line 1")
        label = values[0]
        if label != int(label) or label < 0 or (num_class is not None and label >= num_class):
            expected = f"0..{num_class - 1} (num_class={num_class})" if num_class else "0, 1, 2, …"
            raise DataInvalid(f"{uri} line {number} column 1: label {row[0].strip()!r} is not a class index {expected}")
    if width is None:
        raise DataInvalid(f"{uri}: no rows")
    return width


def check_files(s3, bucket: str, keys: dict[str, str], sizes: dict[str, int], num_class: int | None) -> dict[str, Any]:
    """Each file's columns, checked alike across files; returns {channel: columns}."""
    widths = {}
    for channel, key in keys.items():
        widths[channel] = check_rows(f"s3://{bucket}/{key}", head_lines(s3, bucket, key, sizes[channel]), num_class)
    if len(set(widths.values())) > 1:
        described = ", ".join(f"{channel} has {width}" for channel, width in widths.items())
        raise DataInvalid(f"the day's files have different numbers of columns ({described}): training and validation must have the same "
                          f"columns (s3://{bucket}/{keys['train']}, s3://{bucket}/{keys['validation']})")
    return widths
