"""The botocore `cognito-idp` service model: the wire contract (ARCHITECTURE idea 1)."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

import botocore
from botocore.model import OperationModel, ServiceModel

TARGET_PREFIX = "AWSCognitoIdentityProviderService."


# The model file of the pinned botocore, read directly: a botocore session (its loader, its
# credential and endpoint machinery) costs a fifth of a second to import and gives the same model.
_MODEL_DIR = Path(botocore.__file__).parent / "data" / "cognito-idp"


@cache
def service_model() -> ServiceModel:
    version = max(_MODEL_DIR.iterdir())  # the newest API version, as botocore's loader takes
    with gzip.open(version / "service-2.json.gz", "rt", encoding="utf-8") as f:
        return ServiceModel(json.load(f), service_name="cognito-idp")


@cache
def operation_model(name: str) -> OperationModel | None:
    model = service_model()
    if name not in model.operation_names:
        return None
    op: OperationModel = model.operation_model(name)
    return op


def operation_names() -> list[str]:
    return list(service_model().operation_names)
