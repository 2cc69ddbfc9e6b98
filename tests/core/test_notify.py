"""E-mail: templates in Portuguese, the outbox folder, and SMTP on 127.0.0.1."""

import logging
import socket
import socketserver
import threading
from datetime import date
from email import message_from_bytes, policy

import pytest

from core.collection.documents import issue_statement
from core.collection.notices import email_document
from core.notify import Attachment, EmailError, outbox_dir, send_email
from tests.core.collection.helpers import make_bill, make_property


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message per connection."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self._say("220 127.0.0.1 test")
        while line := self.rfile.readline():
            verb = line.decode().strip().upper()
            if verb.startswith(("EHLO", "HELO")):
                self._say("250 127.0.0.1")
            elif verb.startswith(("MAIL", "RCPT")):
                self.server.envelope.append(line.decode().strip())
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with .")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.messages.append(data)
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 OK")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.messages, server.envelope = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _statement():
    prop = make_property(1)
    make_bill(prop, 202502, "80.00", date(2025, 3, 10))
    return issue_statement(prop.id)


def test_notify_writes_eml_to_outbox_without_smtp(make_app, caplog):
    app = make_app(fixed_today="2025-03-20")
    with app.app_context(), caplog.at_level(logging.INFO, logger="core.notify"):
        delivery = send_email("maria@example.org", "payment_slip", {
            "utility": app.extensions["sanea.profile"], "customer": "Maria",
            "number": 7, "description": "Entrada do parcelamento 3", "total": "45,10",
            "due_date": "27/03/2025", "typed_line": "8263 0000", "pix_code": None,
        }, [Attachment("guia-7.pdf", b"%PDF-1.4 teste")])

        assert delivery.mode == "file" and delivery.path.parent == outbox_dir()
    message = message_from_bytes(delivery.path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "CAERN — guia de pagamento nº 7"
    assert message["To"] == "maria@example.org"
    assert "CAERN" in message["From"]
    body = message.get_body(("plain",)).get_content()
    assert "Entrada do parcelamento 3." in body and "R$ 45,10" in body
    [attachment] = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == (
        "guia-7.pdf", b"%PDF-1.4 teste")
    assert "m***@example.org" in caplog.text and "maria@" not in caplog.text


def test_notify_sends_through_smtp_when_configured(make_app, smtp_server):
    port = smtp_server.server_address[1]
    app = make_app(fixed_today="2025-03-20",
                   smtp_url=f"smtp://127.0.0.1:{port}?from=cobranca@caern.invalid")
    with app.app_context():
        statement = _statement()
        delivery = email_document(statement.id)

    assert (delivery.mode, delivery.server) == ("smtp", f"127.0.0.1:{port}")
    assert smtp_server.envelope == ["mail FROM:<cobranca@caern.invalid>",
                                    "rcpt TO:<maria@example.org>"]
    message = message_from_bytes(smtp_server.messages[0], policy=policy.default)
    assert message["Subject"].startswith("CAERN — extrato de débitos do imóvel")
    text = message.get_body(("plain",)).get_content()
    assert "Total a pagar: R$ 82,00" in text  # 80,00 + 1,60 fine + 0,40 interest
    html = message.get_body(("html",)).get_content()
    assert "<strong>R$ 82,00</strong>" in html
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content()[:5] == b"%PDF-"


def test_notify_refuses_an_invalid_recipient(make_app):
    app = make_app()
    with app.app_context(), pytest.raises(EmailError, match="e-mail de destino"):
        send_email(["sem-arroba"], "payment_slip", {})


def test_notify_reports_an_unreachable_server(make_app):
    with socket.socket() as probe:  # a port nobody listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(smtp_url=f"smtp://127.0.0.1:{port}")
    with app.app_context(), pytest.raises(EmailError, match="Falha ao enviar"):
        send_email("maria@example.org", "payment_slip", {
            "utility": app.extensions["sanea.profile"], "number": 1,
            "description": "x", "total": "1,00", "due_date": "", "typed_line": ""})
