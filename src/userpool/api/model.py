"""The botocore `cognito-idp` service model: the wire contract (ARCHITECTURE idea 1)."""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel

TARGET_PREFIX = "AWSCognitoIdentityProviderService."


@cache
def service_model() -> ServiceModel:
    session = botocore.session.get_session()
    model: ServiceModel = session.get_service_model("cognito-idp")
    return model


@cache
def operation_model(name: str) -> OperationModel | None:
    model = service_model()
    if name not in model.operation_names:
        return None
    op: OperationModel = model.operation_model(name)
    return op


def operation_names() -> list[str]:
    return list(service_model().operation_names)
