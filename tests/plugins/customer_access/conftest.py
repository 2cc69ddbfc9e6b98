"""Fixtures: a CAER app on 2025-03-12 10:00 (Boa Vista), the spec's world, a bot."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from core.notify import render_email
from plugins.customer_access import mail
from tests.plugins.customer_access.world import CHEAP_ARGON2, TODAY, Clock, build_world


@pytest.fixture
def clock():
    """The API clock: 2025-03-12 10:00 in Boa Vista (UTC-4)."""
    return Clock("America/Boa_Vista")


@pytest.fixture
def app(make_app, clock):
    """A CAER app whose API clock is ``clock`` and whose Argon2 is cheap."""
    application = make_app("caer", fixed_today=TODAY, overrides={
        "CUSTOMER_ACCESS_ARGON2": CHEAP_ARGON2, "SANEA_API_NOW": clock})
    with application.app_context():
        yield application


@pytest.fixture
def world(app):
    return build_world()


class Mailbox:
    """A fake mailer: keeps every message instead of sending it."""

    def __init__(self):
        self.messages: list[dict] = []
        self.failing = False

    def deliver(self, to: str, template: str, context: dict) -> None:
        if self.failing:
            raise mail.MailUnavailable("smtp 421 service not available")
        subject, body, _ = render_email(template, **context)
        self.messages.append({"to": to, "subject": subject, "body": body})

    def last_code(self) -> str:
        """Return the 6-digit code of the last message."""
        return re.search(r"\b(\d{6})\b", self.messages[-1]["body"])[1]


@pytest.fixture
def mailbox(monkeypatch):
    box = Mailbox()
    monkeypatch.setattr(mail, "deliver", box.deliver)
    return box


class Bot:
    """A partner calling the API with its token (and a customer session)."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token
        self.session: str | None = None

    def headers(self, key: str | None = None, session: bool = True) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"}
        if session and self.session:
            headers["X-Cliente-Sessao"] = self.session
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def call(self, method: str, path: str, body=None, *, key: str | None = None,
             session: bool = True, **options):
        """Call /api/v1<path>; state-changing calls get a fresh key by default."""
        if key is None and method in ("PUT", "DELETE") or key == "new":
            key = str(uuid.uuid4())
        data = None if body is None else json.dumps(body)
        return self.client.open(
            "/api/v1" + path, method=method, data=data,
            content_type="application/json" if data is not None else None,
            headers=self.headers(key, session), **options)

    def post(self, path, body=None, **options):
        return self.call("POST", path, body, **options)

    def identify(self, document: str) -> str:
        """Start an identification; return its id."""
        response = self.post("/identificacoes", {"documento": document})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["identificacao_id"]

    def login(self, document: str, registration: str, birth_date: str) -> dict:
        """Prove matrícula and birth date; keep and return the session."""
        ident = self.identify(document)
        self.post(f"/identificacoes/{ident}/matricula", {"matricula": registration})
        answer = self.post(f"/identificacoes/{ident}/data-nascimento",
                           {"data_nascimento": birth_date}).get_json()
        self.session = answer["sessao"]["token"]
        return answer["sessao"]


@pytest.fixture
def bot(app, world):
    """BOT-CAER with its token."""
    return Bot(app.test_client(), world.tokens["BOT-CAER"])
