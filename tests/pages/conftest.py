"""Helpers for the page tests: logged-in clients and a small PDF."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_upload(name: str = "reply.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def as_user():
    """`as_user(user)`: a test client logged in as that user."""
    return login
