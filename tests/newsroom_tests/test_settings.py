import os

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def test_database_follows_database_url():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_debug_is_off_unless_asked_for():
    assert settings.DEBUG is False


def test_demo_editor_is_refused_without_debug():
    with pytest.raises(CommandError, match="local runs only"):
        call_command("create_demo_editor")


def test_demo_editor_is_a_staff_user_who_can_log_in(settings, client, capsys):
    settings.DEBUG = True
    call_command("create_demo_editor", password="a-long-demo-password")
    assert "user: editor" in capsys.readouterr().out
    assert client.login(username="editor", password="a-long-demo-password")
    response = client.get("/admin/explainers/explainer/add/")
    assert response.status_code == 200


def test_no_migration_creates_a_user():
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()
