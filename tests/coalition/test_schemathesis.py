"""schemathesis against the running portal (pytest-django's live server), driven by /api/openapi.json: every
operation, with parameters generated from the description (enums, patterns, integers), must answer no 5xx and
exactly what the description says (status code, content type, headers, body).

Bounded so that it runs in CI on every `make test` (under a minute): a fixed number of examples per
operation, derandomized (the same examples on every run), no example database kept between runs."""

import pytest
import schemathesis
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.core.test_open_data import add_open_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXAMPLES_PER_OPERATION = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(live_server, settings):
    # The live server answers from this process: the same settings, cache and (committed) data.
    settings.OPEN_DATA_CSV_LIMIT_PER_HOUR = 100_000  # every example gets its file, not a 429
    settings.OPEN_DATA_CSV_CAP = 2  # and some files are capped
    add_open_data(3)
    return schemathesis.openapi.from_url(f"{live_server.url}{reverse('api:openapi')}")


def test_every_operation_answers_as_described(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    for name in ("stories", "endorsements", "recommendations", "cooperation"):
        assert {f"GET /{name}.json", f"GET /{name}.csv"} <= labels
    assert "GET /oembed.json" in labels
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def conforms(case) -> None:
            case.call_and_validate(checks=CHECKS)

        conforms()
