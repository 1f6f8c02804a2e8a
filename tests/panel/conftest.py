"""The people of the contributor tests, from the demo data: officials and civil society of
Guanajuato and Nuevo León, and the admin."""

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments.models import Milestone
from states.models import Membership

PASSWORD = "demo-ogp-2026"


def user(username):
    return get_user_model().objects.get(username=username)


def membership(username):
    return Membership.objects.select_related("organisation", "state").get(user__username=username)


def milestone(ogp_id, number):
    return Milestone.objects.select_related("commitment__action_plan__state").get(
        commitment__ogp_id=ogp_id, number=number
    )


@pytest.fixture
def gto(demo):
    """A Guanajuato milestone in progress, with no evidence yet."""
    return milestone("MXGTO9004", 2)


@pytest.fixture
def nle(demo):
    return milestone("MXNLE9001", 3)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def post_reset(django_capture_on_commit_callbacks):
    """Posts the password-reset form: its transaction commits, and the email it queued
    (accounts.tasks.send_password_reset) is sent at once, as by a worker."""
    from ogptracker.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True

    def post(email, *, client=None, url=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post(
                url or reverse("accounts:password_reset"), {"email": email}, **extra
            )

    yield post
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
