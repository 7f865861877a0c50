"""schemathesis against the served OpenAPI document, with a token, on the WSGI app (real
database, real pipeline): no 500, and every response agrees with the document.

Each operation gets a few valid and a few invalid requests (schemathesis's positive and
negative modes), derandomized so every run sends the same cases, and every response goes
through all of schemathesis's checks (server errors, status codes, content types,
headers and bodies against the document, invalid data rejected).

The operations are driven through schemathesis's Python API rather than its pytest
plugin: the plugin's lazy fixture schemas read `item._nodeid`, gone in pytest 9.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from tests.web.conftest import make_app
from tests.web.test_api import bearer, token_for

pytestmark = pytest.mark.integration
EXAMPLES = 8
# A schema can say "a file" but not "a readable sheet": a well-formed upload of random
# bytes is rightly refused with 415 (not a sheet), 413 (too many rows) or 400 (the
# original batch of resubmit_of does not exist: 404 is in the default list already).
CONFIG = {
    "operations": [
        {
            "include-path": "/api/v1/batches",
            "include-method": "POST",
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "400", "401", "403", "404", "413", "415"]
                }
            },
        }
    ]
}


def _run(operation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        case.call_and_validate(headers=headers)

    check()


def test_api_agrees_with_its_openapi_document(db_url, employer_id):
    app = make_app(db_url)
    headers = bearer(token_for(app.test_client()))
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if method != "parameters"
    }
    # schemathesis leaves out the document it was loaded from; every other one is run.
    assert {op.label for op in operations} == documented - {"GET /api/v1/openapi.json"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, headers)
