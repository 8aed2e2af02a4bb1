"""The OpenAPI schema is served and describes the catalog and calendar endpoints."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_lists_the_item_and_due_date_paths(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert "/api/v1/items/" in schema["paths"]
    assert "/api/v1/items/{id}/publish/" in schema["paths"]
    assert "/api/v1/calendar/due/" in schema["paths"]
    item_list = schema["paths"]["/api/v1/items/"]["get"]
    assert "q" in {p["name"] for p in item_list["parameters"]}


def test_the_default_schema_is_yaml_with_the_same_paths(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "openapi:" in text
    assert "\n  /api/v1/items/:\n" in text
    assert "\n  /api/v1/calendar/due/:\n" in text
