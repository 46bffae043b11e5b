"""botocore's own model of cognito-idp, loaded as boto3 loads it: what the protocol tests hand to
botocore's serializer and parser (userpool reads the same model file through classes of its own,
`userpool.api.model`, checked against these by tests/protocol/test_model.py)."""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel


@cache
def service() -> ServiceModel:
    found: ServiceModel = botocore.session.get_session().get_service_model("cognito-idp")
    return found


def operation(name: str) -> OperationModel:
    found: OperationModel = service().operation_model(name)
    return found
