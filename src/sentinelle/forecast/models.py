"""Forecasting models behind one estimator interface.

Every model follows scikit-learn's conventions: parameters are set in ``__init__`` and returned
by :meth:`get_params`; :meth:`fit` returns the model itself and sets learned attributes whose
names end in ``_``. ``X`` is a frame of features (:mod:`sentinelle.forecast.features`), ``y``
a frame with columns ``any`` (0/1: at least one VAC event in the target month) and
``fatalities`` (VAC fatalities in it). A model forecasts

* :meth:`predict_proba` — the probability of at least one VAC event, and
* :meth:`sample_counts` — a predictive distribution of VAC fatalities as ``n_samples`` draws per
  row, so that CRPS can be scored.

**Baselines** read the unit's own recent history from the raw lag columns: ``zero`` (nothing
happens), ``last`` (the last month repeats), ``rolling3`` / ``rolling12`` (the share of the last
k months with VAC; Poisson counts with the mean of the last k months) and ``conflictology``
(the unit's last 12 months resampled, as in ViEWS).

**Learned models** — ``logit`` (L2-regularised logistic regression on standardised features)
and ``boosting`` (LightGBM gradient-boosted trees) — forecast the probability directly and the
count as a *hurdle*: with the forecast probability there is VAC, and then the fatalities are
drawn as ``expm1(μ + r)``, where ``μ`` is a regression of ``log1p(fatalities)`` on the features
over training months that had VAC and ``r`` a resampled residual of that regression.
"""

from __future__ import annotations

from typing import Any, Protocol, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from sentinelle.forecast.features import LAGS, LEARNED_FEATURES

FloatArray = npt.NDArray[np.float64]


class Forecaster(Protocol):
    name: str
    learned: bool

    def get_params(self) -> dict[str, Any]: ...

    def fit(self, X: pd.DataFrame, y: pd.DataFrame) -> Self: ...

    def predict_proba(self, X: pd.DataFrame) -> FloatArray: ...

    def sample_counts(self, X: pd.DataFrame, n_samples: int, seed: int) -> FloatArray: ...


def _lags(X: pd.DataFrame, prefix: str, k: int) -> FloatArray:
    return X[[f"{prefix}_lag{i}" for i in range(k)]].to_numpy(np.float64)


class _Baseline:
    learned = False
    name = "baseline"

    def get_params(self) -> dict[str, Any]:
        return {}

    def fit(self, X: pd.DataFrame, y: pd.DataFrame) -> Self:
        self.n_training_rows_ = len(X)
        return self


class ZeroBaseline(_Baseline):
    """Nothing happens: probability 0 and no fatalities."""

    name = "zero"

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        return np.zeros(len(X))

    def sample_counts(self, X: pd.DataFrame, n_samples: int, seed: int) -> FloatArray:
        return np.zeros((len(X), n_samples))


class LastValueBaseline(_Baseline):
    """The last month repeats: probability 1 when it had VAC, else 0; its fatalities."""

    name = "last"

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        return (X["vac_events_lag0"].to_numpy(np.float64) > 0).astype(np.float64)

    def sample_counts(self, X: pd.DataFrame, n_samples: int, seed: int) -> FloatArray:
        last = X["vac_fatalities_lag0"].to_numpy(np.float64)
        return np.repeat(last[:, None], n_samples, axis=1)


class RollingBaseline(_Baseline):
    """The share of the last ``window`` months with VAC; fatalities Poisson with their mean
    over those months."""

    def __init__(self, window: int = 12) -> None:
        if not 1 <= window <= LAGS:
            raise ValueError(f"the rolling window must be 1 to {LAGS} months, not {window}")
        self.window = window
        self.name = f"rolling{window}"

    def get_params(self) -> dict[str, Any]:
        return {"window": self.window}

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        return np.asarray((_lags(X, "vac_events", self.window) > 0).mean(axis=1), np.float64)

    def sample_counts(self, X: pd.DataFrame, n_samples: int, seed: int) -> FloatArray:
        mean = _lags(X, "vac_fatalities", self.window).mean(axis=1)
        rng = np.random.default_rng(seed)
        return rng.poisson(mean[:, None], size=(len(X), n_samples)).astype(np.float64)


class ConflictologyBaseline(_Baseline):
    """The unit's last ``window`` months resampled: probability = share of them with VAC;
    fatalities drawn from them with replacement."""

    name = "conflictology"

    def __init__(self, window: int = 12) -> None:
        if not 1 <= window <= LAGS:
            raise ValueError(f"the window must be 1 to {LAGS} months, not {window}")
        self.window = window

    def get_params(self) -> dict[str, Any]:
        return {"window": self.window}

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        return np.asarray((_lags(X, "vac_events", self.window) > 0).mean(axis=1), np.float64)

    def sample_counts(self, X: pd.DataFrame, n_samples: int, seed: int) -> FloatArray:
        history = _lags(X, "vac_fatalities", self.window)
        rng = np.random.default_rng(seed)
        pick = rng.integers(0, self.window, size=(len(X), n_samples))
        return np.take_along_axis(history, pick, axis=1)


class _Hurdle:
    """Shared hurdle count model for the learned forecasters (see the module docstring)."""

    learned = True
    name = "learned"
    features: tuple[str, ...] = LEARNED_FEATURES

    def _matrix(self, X: pd.DataFrame) -> FloatArray:
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise ValueError(f"features missing from X: {', '.join(missing)}")
        return X[list(self.features)].to_numpy(np.float64)

    def _fit_counts(self, X: pd.DataFrame, y: pd.DataFrame) -> None:
        positive = y["any"].to_numpy() > 0
        deaths = np.log1p(y["fatalities"].to_numpy(np.float64)[positive])
        if positive.sum() < 5:
            self.count_model_ = None
            self.count_mean_ = float(deaths.mean()) if len(deaths) else 0.0
            self.residuals_ = deaths - self.count_mean_ if len(deaths) else np.zeros(1)
            return
        model = self._count_estimator()
        rows = self._matrix(X)[positive]
        model.fit(rows, deaths)
        self.count_model_ = model
        self.count_mean_ = float(deaths.mean())
        self.residuals_ = deaths - np.asarray(model.predict(rows), np.float64)

    def _count_estimator(self) -> Any:
        raise NotImplementedError

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        raise NotImplementedError

    def sample_counts(self, X: pd.DataFrame, n_samples: int, seed: int) -> FloatArray:
        probability = self.predict_proba(X)
        if self.count_model_ is None:
            mu = np.full(len(X), self.count_mean_)
        else:
            mu = np.asarray(self.count_model_.predict(self._matrix(X)), np.float64)
        rng = np.random.default_rng(seed)
        happens = rng.random((len(X), n_samples)) < probability[:, None]
        residual = rng.choice(self.residuals_, size=(len(X), n_samples))
        deaths = np.maximum(np.rint(np.expm1(mu[:, None] + residual)), 0.0)
        return np.where(happens, deaths, 0.0)


class LogisticForecaster(_Hurdle):
    """L2-regularised logistic regression on standardised features (missing values replaced
    by the training median); ridge regression for the hurdle's counts."""

    name = "logit"

    def __init__(self, C: float = 0.1, features: tuple[str, ...] = LEARNED_FEATURES) -> None:
        self.C = C
        self.features = features

    def get_params(self) -> dict[str, Any]:
        return {"C": self.C, "features": list(self.features)}

    def _pipeline(self, last: Any) -> Any:
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(), last
        )

    def _count_estimator(self) -> Any:
        from sklearn.linear_model import Ridge

        return self._pipeline(Ridge(alpha=10.0))

    def fit(self, X: pd.DataFrame, y: pd.DataFrame) -> Self:
        from sklearn.linear_model import LogisticRegression

        target = y["any"].to_numpy().astype(int)
        self.constant_: float | None = None
        if target.min() == target.max():
            self.constant_ = float(target[0]) if len(target) else 0.0
        else:
            model = self._pipeline(LogisticRegression(C=self.C, max_iter=2000))
            model.fit(self._matrix(X), target)
            self.model_ = model
        self._fit_counts(X, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        if self.constant_ is not None:
            return np.full(len(X), self.constant_)
        return np.asarray(np.asarray(self.model_.predict_proba(self._matrix(X)))[:, 1], np.float64)


class BoostingForecaster(_Hurdle):
    """LightGBM gradient-boosted trees (a classifier, and a regressor for the hurdle's counts);
    deterministic for a given seed."""

    name = "boosting"

    def __init__(
        self,
        n_estimators: int = 200,
        learning_rate: float = 0.03,
        num_leaves: int = 4,
        min_child_samples: int = 80,
        seed: int = 20,
        features: tuple[str, ...] = LEARNED_FEATURES,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.seed = seed
        self.features = features

    def get_params(self) -> dict[str, Any]:
        return {
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "seed": self.seed,
            "features": list(self.features),
        }

    def _options(self) -> dict[str, Any]:
        return {
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "subsample": 0.8,
            "subsample_freq": 1,
            "colsample_bytree": 0.8,
            "reg_lambda": 1.0,
            "random_state": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "n_jobs": 1,
            "verbose": -1,
        }

    def _count_estimator(self) -> Any:
        from lightgbm import LGBMRegressor

        options = self._options() | {"n_estimators": max(self.n_estimators // 2, 10)}
        return LGBMRegressor(**options)

    def fit(self, X: pd.DataFrame, y: pd.DataFrame) -> Self:
        from lightgbm import LGBMClassifier

        target = y["any"].to_numpy().astype(int)
        self.constant_: float | None = None
        if target.min() == target.max():
            self.constant_ = float(target[0]) if len(target) else 0.0
        else:
            model = LGBMClassifier(**self._options())
            model.fit(self._matrix(X), target)
            self.model_ = model
        self._fit_counts(X, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        if self.constant_ is not None:
            return np.full(len(X), self.constant_)
        return np.asarray(np.asarray(self.model_.predict_proba(self._matrix(X)))[:, 1], np.float64)


MODELS = ("zero", "last", "rolling3", "rolling12", "conflictology", "logit", "boosting")
"""Every model's name, baselines first."""
BASELINES = ("zero", "last", "rolling3", "rolling12", "conflictology")
LEARNED = ("logit", "boosting")


def make_model(name: str) -> Forecaster:
    """A fresh model by name (one of :data:`MODELS`)."""
    factories: dict[str, Any] = {
        "zero": ZeroBaseline,
        "last": LastValueBaseline,
        "rolling3": lambda: RollingBaseline(3),
        "rolling12": lambda: RollingBaseline(12),
        "conflictology": ConflictologyBaseline,
        "logit": LogisticForecaster,
        "boosting": BoostingForecaster,
    }
    if name not in factories:
        raise ValueError(f"unknown model {name!r}: expected one of {', '.join(MODELS)}")
    model: Forecaster = factories[name]()
    return model
