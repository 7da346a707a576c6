"""The house stands: settings load, migrations apply, the API schema is served."""

import pytest


@pytest.mark.django_db
def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Attain API"
