"""Score the serving model (the champion) on the same validation rows as the new model.

The container contract (docs/promotion.md, "The container contract"): when the training job has a channel
`champion` holding the serving model's model.tar.gz, the container prints, besides its own
`validation:<metric>=…` lines,

    validation:rows=N
    champion:validation:accuracy=…
    paired:validation:accuracy:diff=…     new minus champion, on the same N rows
    paired:validation:accuracy:lower=…    95 % paired bootstrap interval of that difference
    paired:validation:accuracy:upper=…

or, when the champion cannot be scored, one line `champion:unscorable <reason>` and no champion
metric: the pipeline's gate then falls back to the serving model's recorded metric and says so.

With pooled channels (`pooled-short`, `pooled-long`: the validation rows of the last days, today's
included), the same paired test on each pool's rows:

    pooled-long:validation:rows=N
    pooled-long:paired:validation:accuracy:diff=…   (and :lower=…, :upper=…)

or `pooled-long:unusable <reason>` when its rows cannot be read (the gate then decides without them).
"""

import io
import json
import tarfile
import tempfile
from pathlib import Path

import joblib
import numpy as np

BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE = 0.95
SEED = 0


class ChampionUnscorable(Exception):
    pass


def load(channel: Path, features: int):
    """The champion's model from the channel's model.tar.gz (or its already-extracted files)."""
    from .train import META_FILE, MODEL_FILE

    archives = sorted(channel.glob("**/*.tar.gz"))
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        try:
            if archives:
                with tarfile.open(fileobj=io.BytesIO(archives[0].read_bytes()), mode="r:gz") as archive:
                    names = {member.name for member in archive.getmembers()}
                    if not {MODEL_FILE, META_FILE} <= names:
                        raise ChampionUnscorable(f"{archives[0].name} has {sorted(names)}, not {MODEL_FILE} and {META_FILE}")
                    for name in (MODEL_FILE, META_FILE):
                        (root / name).write_bytes(archive.extractfile(name).read())
            else:
                root = channel
            meta = json.loads((root / META_FILE).read_text())
            model = joblib.load(root / MODEL_FILE)
        except ChampionUnscorable:
            raise
        except Exception as error:  # a corrupt or foreign artifact: any failure means "cannot score"
            raise ChampionUnscorable(f"cannot load the champion's model: {type(error).__name__}: {error}") from None
    if int(meta.get("features", -1)) != features:
        raise ChampionUnscorable(f"the champion expects {meta.get('features')} features, today's data has {features}")
    return model


def paired_interval(new_correct: np.ndarray, champion_correct: np.ndarray) -> tuple[float, float, float]:
    """Accuracy difference (new - champion) on the same rows, with its paired bootstrap interval."""
    differences = new_correct.astype(float) - champion_correct.astype(float)
    rng = np.random.default_rng(SEED)
    samples = rng.integers(0, len(differences), size=(BOOTSTRAP_RESAMPLES, len(differences)))
    means = differences[samples].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    return float(differences.mean()), float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


POOLED_WINDOWS = ("pooled-short", "pooled-long")


def compare(model, champion, x_val: np.ndarray, y_val: np.ndarray) -> dict[str, float]:
    new_correct = model.predict(x_val) == y_val
    champion_correct = champion.predict(x_val) == y_val
    diff, lower, upper = paired_interval(new_correct, champion_correct)
    return {
        "champion:validation:accuracy": float(champion_correct.mean()),
        "paired:validation:accuracy:diff": diff,
        "paired:validation:accuracy:lower": lower,
        "paired:validation:accuracy:upper": upper,
    }


def compare_pooled(model, champion, window: str, x_pool: np.ndarray, y_pool: np.ndarray) -> dict[str, float]:
    """The paired test on one pooled channel's rows, its metrics named after the channel."""
    diff, lower, upper = paired_interval(model.predict(x_pool) == y_pool, champion.predict(x_pool) == y_pool)
    return {f"{window}:validation:rows": float(len(y_pool)), f"{window}:paired:validation:accuracy:diff": diff,
            f"{window}:paired:validation:accuracy:lower": lower, f"{window}:paired:validation:accuracy:upper": upper}
