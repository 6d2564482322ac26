"""The peer of the serving benchmark: a FastAPI + LightGBM server, as the seed describes the
stack, serving a LightGBM model trained on the same CSV with the same parameters as
Trainyard's model. POST /predict takes {"instances": [{feature: value}, ...]} and answers
{"predictions": [{"label": ..., "probabilities": {class: p}}]}, like Trainyard's REST route.

Usage: peer.py DATA.csv TARGET PORT [WORKERS]"""
import os
import sys

import lightgbm as lgb
import pandas as pd
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

# uvicorn's worker processes do not see the command line: the settings travel in the
# environment.
if __name__ == "__main__":
    os.environ["PEER_DATA"], os.environ["PEER_TARGET"] = sys.argv[1], sys.argv[2]
DATA, TARGET = os.environ.get("PEER_DATA", ""), os.environ.get("PEER_TARGET", "")


def fit():
    """Trains the peer's model: LightGBM with Trainyard's GBDT parameters."""
    df = pd.read_csv(DATA)
    y_raw = df.pop(TARGET).astype(str)
    classes = sorted(y_raw.unique())
    y = y_raw.map({c: i for i, c in enumerate(classes)}).to_numpy()
    booster = lgb.train(
        {"objective": "binary", "learning_rate": 0.1, "num_leaves": 31, "min_data_in_leaf": 20,
         "verbose": -1, "num_threads": 1, "seed": 1},
        lgb.Dataset(df, label=y), num_boost_round=100)
    return booster, classes, list(df.columns)


class PredictRequest(BaseModel):
    instances: list[dict[str, float | int | str | None]]


def build():
    """The FastAPI app around the fitted model."""
    booster, classes, features = fit()
    app = FastAPI()

    @app.post("/predict")
    def predict(req: PredictRequest):
        frame = pd.DataFrame(req.instances, columns=features).astype("float64")
        p1 = booster.predict(frame)
        out = []
        for p in p1:
            probs = {classes[0]: float(1 - p), classes[1]: float(p)}
            out.append({"label": classes[int(p >= 0.5)], "probabilities": probs})
        return {"predictions": out}

    @app.get("/health")
    def health():
        return {"ok": True}

    return app


# uvicorn's workers import this module as "peer"; the launching script and multiprocessing's
# copy of it ("__mp_main__") do not train.
if __name__ == "peer":
    app = build()


if __name__ == "__main__":
    port = int(sys.argv[3])
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    uvicorn.run("peer:app", host="127.0.0.1", port=port, workers=workers, log_level="warning",
                # Workers train at import: give them time before health checks count.
                timeout_worker_healthcheck=300)
