"""Error pages of the admin, in Portuguese, inside the admin's layout.

Flask's own pages say "Not Found" in English; staff get the admin's menu
and a sentence they can act on. Calls under ``/api/v1`` keep the problem
body that ``core.toolkits.api`` installs on top of these handlers.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template

log = logging.getLogger(__name__)

PAGES = {
    400: ("Requisição inválida",
          "O pedido não pôde ser entendido. Volte e tente de novo."),
    403: ("Acesso negado", "Seu perfil não tem permissão para esta página."),
    404: ("Página não encontrada",
          "Não há página neste endereço. Confira o endereço ou use o menu."),
    405: ("Método não permitido", "Esta página não aceita este tipo de envio."),
    413: ("Arquivo grande demais", "O envio passa de 64 MB; divida o arquivo."),
    500: ("Erro interno",
          "Ocorreu um erro inesperado. Nada foi gravado pela operação que falhou; "
          "tente de novo e, se persistir, avise o suporte."),
}


def _page(code: int):
    title, message = PAGES[code]

    def handle(exc):
        if code == 500:
            log.error("unhandled error: %r", getattr(exc, "original_exception", exc))
        try:
            appbuilder = current_app.appbuilder
            body = render_template(
                "sanea/error.html", code=code, title=title, message=message,
                appbuilder=appbuilder, base_template=appbuilder.base_template,
            )
        except Exception:  # the layout itself failed: answer plain text
            log.exception("error page %s could not be rendered", code)
            body = f"{code} — {title}. {message}"
        return body, code

    return handle


def install_error_pages(app: Flask) -> None:
    """Register the Portuguese pages for 400, 403, 404, 405 and 500."""
    for code in PAGES:
        app.register_error_handler(code, _page(code))

