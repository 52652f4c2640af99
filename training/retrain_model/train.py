"""SageMaker training entry point: hyperparameters and channels in, model and metrics out."""

import json
import os
import sys
import traceback

import joblib
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score

from . import champion, paths
from .data import DataError, read_channel

OBJECTIVES = ("multi:softmax", "multi:softprob")
MODEL_FILE = "model.joblib"
META_FILE = "model.json"


class HyperparameterError(ValueError):
    pass


def parse_hyperparameters(raw: dict[str, str]) -> dict:
    """SageMaker passes every hyperparameter as a string."""
    known = {"objective", "num_class", "n_estimators", "max_depth", "seed"}
    unknown = set(raw) - known
    if unknown:
        raise HyperparameterError(f"unknown hyperparameters {sorted(unknown)}: expected some of {sorted(known)}")

    def integer(name: str, default: int | None, minimum: int) -> int | None:
        if name not in raw:
            return default
        try:
            value = int(raw[name])
        except ValueError:
            raise HyperparameterError(f"hyperparameter {name}={raw[name]!r} is not a whole number") from None
        if value < minimum:
            raise HyperparameterError(f"hyperparameter {name}={value} must be at least {minimum}")
        return value

    objective = raw.get("objective", "multi:softmax")
    if objective not in OBJECTIVES:
        raise HyperparameterError(f"hyperparameter objective={objective!r} is not one of {OBJECTIVES}")
    return {
        "objective": objective,
        "num_class": integer("num_class", None, 2),
        "n_estimators": integer("n_estimators", 100, 1),
        "max_depth": integer("max_depth", None, 1),
        "seed": integer("seed", 0, 0),
    }


CHECKPOINT_FILE = "checkpoint.joblib"
TREES_PER_CHECKPOINT = 25


def fit(params: dict, x_train, y_train) -> RandomForestClassifier:
    """Grow the forest; with a checkpoint folder (managed spot training), in steps of trees saved after
    each step, resuming from the last one after an interruption. A forest grown in steps with
    warm_start has exactly the trees of one grown at once (scikit-learn draws the same seeds)."""
    total = params["n_estimators"]
    checkpoints = paths.checkpoint_dir()
    if not checkpoints.is_dir():
        return RandomForestClassifier(n_estimators=total, max_depth=params["max_depth"], random_state=params["seed"]).fit(x_train, y_train)
    saved = checkpoints / CHECKPOINT_FILE
    if saved.exists():
        model = joblib.load(saved)
        print(f"resumed from checkpoint: {len(model.estimators_)}/{total} trees", flush=True)
    else:
        model = RandomForestClassifier(n_estimators=0, max_depth=params["max_depth"], random_state=params["seed"], warm_start=True)
    stop_after = int(os.environ.get("RETRAIN_STOP_AFTER_CHECKPOINTS", "0"))   # the local run's spot interruption
    grown = 0
    while len(getattr(model, "estimators_", [])) < total:
        model.n_estimators = min(total, len(getattr(model, "estimators_", [])) + TREES_PER_CHECKPOINT)
        model.fit(x_train, y_train)
        joblib.dump(model, saved)
        grown += 1
        print(f"checkpoint: {len(model.estimators_)}/{total} trees", flush=True)
        if stop_after and grown >= stop_after and len(model.estimators_) < total:
            raise SystemExit(143)
    return model


def train() -> dict[str, float]:
    raw = json.loads(paths.hyperparameters_file().read_text()) if paths.hyperparameters_file().exists() else {}
    params = parse_hyperparameters(raw)
    x_train, y_train = read_channel(paths.channel_dir("train"))
    x_val, y_val = read_channel(paths.channel_dir("validation"))
    classes = sorted(set(y_train.tolist()))
    if params["num_class"] is not None and len(classes) > params["num_class"]:
        raise DataError(f"training labels {classes} are more than num_class={params['num_class']}")
    model = fit(params, x_train, y_train)
    metrics = {
        "train:accuracy": accuracy_score(y_train, model.predict(x_train)),
        "validation:accuracy": accuracy_score(y_val, model.predict(x_val)),
        "validation:f1": f1_score(y_val, model.predict(x_val), average="macro"),
        "validation:rows": float(len(y_val)),
    }
    paths.model_dir().mkdir(parents=True, exist_ok=True)
    joblib.dump(model, paths.model_dir() / MODEL_FILE)
    (paths.model_dir() / META_FILE).write_text(json.dumps({"objective": params["objective"], "features": int(x_train.shape[1]), "metrics": metrics}))
    champion_channel = paths.channel_dir("champion")
    if champion_channel.is_dir():
        try:
            served = champion.load(champion_channel, int(x_train.shape[1]))
        except champion.ChampionUnscorable as error:
            print(f"champion:unscorable {error}", flush=True)
        else:
            metrics |= champion.compare(model, served, x_val, y_val)
            metrics |= pooled_comparisons(model, served, int(x_train.shape[1]))
    for name, value in metrics.items():
        print(f"{name}={value:g}" if name.endswith("validation:rows") else f"{name}={value:.6f}", flush=True)
    return metrics


def pooled_comparisons(model, served, features: int) -> dict[str, float]:
    """The paired test on each pooled channel present; a pool that cannot be read is said and left out."""
    metrics: dict[str, float] = {}
    for window in champion.POOLED_WINDOWS:
        if not paths.channel_dir(window).is_dir():
            continue
        try:
            x_pool, y_pool = read_channel(paths.channel_dir(window))
            if x_pool.shape[1] != features:
                raise DataError(f"{x_pool.shape[1]} features, today's data has {features}")
        except DataError as error:
            print(f"{window}:unusable {error}", flush=True)
            continue
        metrics |= champion.compare_pooled(model, served, window, x_pool, y_pool)
    return metrics


def main() -> int:
    try:
        train()
    except (DataError, HyperparameterError) as error:
        reason = f"{type(error).__name__}: {error}"
    except Exception as error:  # whatever it is, SageMaker must get a reason
        traceback.print_exc()
        reason = f"{type(error).__name__}: {error}"
    else:
        return 0
    print(reason, file=sys.stderr)
    paths.failure_file().parent.mkdir(parents=True, exist_ok=True)
    paths.failure_file().write_text(reason[:1024])
    return 1


if __name__ == "__main__":
    sys.exit(main())
