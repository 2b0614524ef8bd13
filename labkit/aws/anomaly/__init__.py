"""A transparent anomaly detection band model: labkit's stand-in for CloudWatch's unpublished one.

See :mod:`labkit.aws.anomaly.model` for the rules it follows and where it is labkit's own choice.
"""

from __future__ import annotations

from labkit.aws.anomaly.model import (
    MIN_TRAINING_POINTS,
    RETRAIN_EVERY,
    TRAINING_DELAY,
    TRAINING_WINDOW,
    BandModel,
    band,
    check_timezone,
    train,
    trained_until,
)

__all__ = [
    "MIN_TRAINING_POINTS",
    "RETRAIN_EVERY",
    "TRAINING_DELAY",
    "TRAINING_WINDOW",
    "BandModel",
    "band",
    "check_timezone",
    "train",
    "trained_until",
]
