"""The audit trail's CSV export, read back as a spreadsheet would read it."""

import csv
import io
import re

import pytest
from django.test import Client

from dashboard.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

# Opens a calculator in a spreadsheet whose separator is ";" if the cell is not quoted.
HOSTILE_NAME = "x;=cmd|' /C calc'!A0;"


def export(client: Client) -> str:
    response = client.get("/audit/", {"action": "create", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode()


def test_every_cell_is_quoted_so_no_separator_splits_a_value(admin):
    AuditEvent.objects.create(
        action="create",
        outcome="success",
        username=HOSTILE_NAME,
        application_name='Tab\tand "quotes", commas; semicolons',
        detail="two\nlines",
    )

    text = export(admin)

    # Outside the quoted cells there is nothing but the commas between them and the line
    # ends: a spreadsheet that splits on ";" or tabs finds no separator in the data.
    assert re.fullmatch(r"[,\r\n]*", re.sub(r'"(?:[^"]|"")*"', "", text))
    assert f'"{HOSTILE_NAME}"' in text
    header, row = list(csv.reader(io.StringIO(text)))
    assert len(row) == len(header)
    values = dict(zip(header, row, strict=True))
    assert values["username"] == HOSTILE_NAME
    assert values["application_name"] == 'Tab\tand "quotes", commas; semicolons'
    assert values["detail"] == "two\nlines"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_would_start_a_formula_starts_with_a_quote_instead(admin, prefix):
    AuditEvent.objects.create(
        action="create",
        outcome="success",
        username=f"{prefix}HYPERLINK(1)",
        application_name=f"{prefix}1+1",
        detail=f"{prefix}cmd",
    )

    (row,) = csv.DictReader(io.StringIO(export(admin)))

    assert row["username"] == f"'{prefix}HYPERLINK(1)"
    assert row["application_name"] == f"'{prefix}1+1"
    assert row["detail"] == f"'{prefix}cmd"


def test_ordinary_values_come_back_unchanged(admin):
    AuditEvent.objects.create(
        action="create",
        outcome="success",
        username="bob",
        ip="2001:db8::1",
        application_id="conn_app_01",
        application_name="Portal (EU)",
        changes={"name": ["Old", "New"]},
    )

    (row,) = csv.DictReader(io.StringIO(export(admin)))

    assert row["username"] == "bob"
    assert row["ip"] == "2001:db8::1"
    assert row["application_id"] == "conn_app_01"
    assert row["application_name"] == "Portal (EU)"
    assert row["changes"] == '{"name": ["Old", "New"]}'
    assert row["outcome"] == "success"
