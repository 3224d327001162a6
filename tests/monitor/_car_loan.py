"""NannyML's synthetic car-loan dataset (50,000 reference + 50,000 analysis rows), read as arrays.

The dataset ships inside the ``nannyml`` package, which is never a surefoot dependency:
``scripts/peer-env.sh ensure`` builds a separate virtualenv with it (pip caches the wheels) and
extracts the two frames to CSV once. Reading the CSV needs only the standard library and numpy.
"""

from __future__ import annotations

import csv
import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 5_000
NUMERIC = ("car_value", "debt_to_income_ratio", "loan_length", "driver_tenure")
CATEGORICAL = ("salary_range", "repaid_loan_on_prev_car", "size_of_downpayment")
FEATURES = NUMERIC + CATEGORICAL


@dataclass(frozen=True)
class Period:
    """One period of the dataset: model inputs, the model's outputs, and the true labels."""

    features: dict[str, Any]
    scores: npt.NDArray[np.float64]
    predictions: npt.NDArray[np.float64]
    labels: npt.NDArray[np.float64]


@functools.cache
def data_dir() -> Path:
    """Build the peer environment if needed and return where the CSV files are."""
    script = ROOT / "scripts" / "peer-env.sh"
    subprocess.run([str(script), "ensure"], check=True, timeout=1_800)
    out = subprocess.run([str(script), "data"], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


@functools.cache
def load(period: str) -> Period:
    """The ``reference`` or ``analysis`` period."""
    with (data_dir() / f"car_loan_{period}.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    features: dict[str, Any] = {name: np.array([float(r[name]) for r in rows]) for name in NUMERIC}
    features.update({name: [r[name] for r in rows] for name in CATEGORICAL})
    column = functools.partial(_floats, rows)
    return Period(features, column("y_pred_proba"), column("y_pred"), column("repaid"))


def _floats(rows: list[dict[str, str]], name: str) -> npt.NDArray[np.float64]:
    return np.array([float(r[name]) for r in rows])
