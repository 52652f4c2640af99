"""SageMaker training entry point: hyperparameters and channels in, model and metrics out."""

import json
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


def train() -> dict[str, float]:
    raw = json.loads(paths.hyperparameters_file().read_text()) if paths.hyperparameters_file().exists() else {}
    params = parse_hyperparameters(raw)
    x_train, y_train = read_channel(paths.channel_dir("train"))
    x_val, y_val = read_channel(paths.channel_dir("validation"))
    classes = sorted(set(y_train.tolist()))
    if params["num_class"] is not None and len(classes) > params["num_class"]:
        raise DataError(f"training labels {classes} are more than num_class={params['num_class']}")
    model = RandomForestClassifier(n_estimators=params["n_estimators"], max_depth=params["max_depth"], random_state=params["seed"])
    model.fit(x_train, y_train)
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
            metrics |= champion.compare(model, champion.load(champion_channel, int(x_train.shape[1])), x_val, y_val)
        except champion.ChampionUnscorable as error:
            print(f"champion:unscorable {error}", flush=True)
    for name, value in metrics.items():
        print(f"{name}={value:g}" if name == "validation:rows" else f"{name}={value:.6f}", flush=True)
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
