"""Admin screens of payment collection (arrecadação), in Portuguese.

Collectors and contracts are edited here; a return file is uploaded and
imported (refused whole, with its line number, when malformed); payments
are listed by classification and the ones left open (duplicates, unknown
documents, underpayments) are decided by hand.
"""

from __future__ import annotations

from flask import url_for
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name

from core.admin.service import READ_ONLY, ActionViewMixin, Field, actor, add_views
from core.admin.views import SaneaModelView
from core.domain import payments as p
from core.extensions import db
from core.payments.errors import PaymentError

CATEGORY = "Arrecadação"

LABELS = {
    "bank_code": "Código do banco", "name": "Nome", "customer": "Cliente",
    "active": "Ativo", "collector": "Arrecadador", "agreement": "Convênio",
    "start_date": "Início", "end_date": "Fim", "last_nsa": "Último NSA",
    "tariff": "Tarifa (R$)", "float_days": "Dias de float",
    "deposit_account": "Conta de depósito", "contract": "Contrato", "nsa": "NSA",
    "generated_on": "Gerado em", "layout_version": "Versão do leiaute",
    "service": "Serviço", "file_name": "Arquivo", "sha256": "SHA-256",
    "record_count": "Registros", "total": "Total (R$)",
    "payments_count": "Pagamentos", "rejected_count": "Rejeitados",
    "imported_by": "Importado por", "created_at": "Importado em",
    "file": "Arquivo de retorno", "line_number": "Linha", "record_code": "Registro",
    "raw": "Conteúdo", "accepted": "Aceito", "occurrence": "Ocorrência",
    "id": "Número", "amount": "Valor pago (R$)", "applied": "Aplicado (R$)",
    "excess": "Excedente (R$)", "paid_on": "Pagamento", "credited_on": "Crédito",
    "collection_month": "Mês de arrecadação (AAAAMM)",
    "reference_month": "Referência (AAAAMM)", "barcode": "Código de barras",
    "payment_type": "Tipo de pagamento", "document_kind": "Documento",
    "document_kind_label": "Documento", "bill": "Conta",
    "payment_slip": "Guia de pagamento", "collection_document": "Documento de cobrança",
    "property": "Imóvel", "status": "Situação", "status_label": "Situação",
    "previous_status": "Situação anterior", "manual": "Classificado manualmente",
    "note": "Observação", "classified_at": "Classificado em",
    "classified_by": "Classificado por", "return_line": "Linha do retorno",
}


class CollectorView(SaneaModelView):
    datamodel = SQLAInterface(p.Collector)
    list_columns = ["bank_code", "name", "customer", "active"]
    search_columns = ["bank_code", "name", "active"]
    add_columns = edit_columns = ["bank_code", "name", "customer", "active"]
    label_columns = LABELS


class CollectorContractView(SaneaModelView):
    datamodel = SQLAInterface(p.CollectorContract)
    list_columns = ["collector", "agreement", "start_date", "end_date", "last_nsa",
                    "tariff", "active"]
    search_columns = ["collector", "agreement", "active"]
    add_columns = edit_columns = ["collector", "agreement", "start_date", "end_date",
                                  "last_nsa", "tariff", "float_days",
                                  "deposit_account", "active"]
    label_columns = LABELS


class ReturnFileLineView(SaneaModelView):
    datamodel = SQLAInterface(p.ReturnFileLine)
    list_columns = ["file", "line_number", "record_code", "accepted", "occurrence",
                    "raw"]
    search_columns = ["file", "record_code", "accepted", "occurrence"]
    label_columns = LABELS
    base_permissions = READ_ONLY
    base_order = ("line_number", "asc")


class ReturnFileView(ActionViewMixin, SaneaModelView):
    datamodel = SQLAInterface(p.ReturnFile)
    list_template = "core_admin/list_actions.html"
    extra_args = {"list_actions": [("upload", "Importar arquivo de retorno",
                                    "fa-upload")]}
    list_columns = ["collector", "nsa", "generated_on", "file_name", "record_count",
                    "total", "payments_count", "rejected_count", "created_at"]
    search_columns = ["collector", "nsa", "generated_on", "file_name", "created_at"]
    show_columns = ["collector", "contract", "nsa", "generated_on", "layout_version",
                    "service", "file_name", "sha256", "record_count", "total",
                    "payments_count", "rejected_count", "imported_by", "created_at"]
    related_views = [ReturnFileLineView]
    label_columns = LABELS
    base_permissions = READ_ONLY + ["can_upload"]
    base_order = ("id", "desc")
    command_errors = (PaymentError,)

    @expose("/upload", methods=["GET", "POST"])
    @has_access
    @permission_name("upload")
    def upload(self):
        """Import a CNAB 150 return file."""
        from core.payments.imports import import_return_file

        fields = [Field("file", "Arquivo de retorno (CNAB 150)", "file", True)]

        def run(values):
            name, content = values["file"]
            result = import_return_file(content, name, actor=actor())
            return result.message, url_for("ReturnFileView.show", pk=result.file.id)

        return self.action_form(
            "Importar arquivo de retorno", fields, run,
            back=url_for("ReturnFileView.list"), submit="Importar",
            intro="Um arquivo fora do leiaute é recusado inteiro, com o número da "
                  "linha; importar de novo o mesmo arquivo não altera nada.")


class PaymentView(ActionViewMixin, SaneaModelView):
    datamodel = SQLAInterface(p.Payment)
    list_template = "core_admin/list_actions.html"
    show_template = "core_admin/show_actions.html"
    extra_args = {
        "list_actions": [("register", "Registrar pagamento", "fa-plus"),
                         ("reclassify", "Classificar pendentes", "fa-refresh")],
        "show_actions": [("refund", "Devolver ao pagador", "fa-undo", "default"),
                         ("credit", "Converter em crédito", "fa-plus-circle",
                          "default"),
                         ("apply", "Aplicar a outro documento", "fa-link",
                          "primary")],
    }
    list_columns = ["id", "paid_on", "amount", "document_kind_label", "property",
                    "status_label", "applied", "excess", "manual", "collector"]
    search_columns = ["paid_on", "collection_month", "status", "document_kind",
                      "manual", "property", "bill", "collector", "amount"]
    show_columns = ["id", "amount", "applied", "excess", "paid_on", "credited_on",
                    "collection_month", "reference_month", "barcode",
                    "payment_type", "document_kind_label", "bill", "payment_slip",
                    "collection_document", "property", "collector", "return_line",
                    "status_label", "previous_status", "manual", "note",
                    "classified_at", "classified_by"]
    label_columns = LABELS
    base_permissions = READ_ONLY + ["can_register", "can_reclassify", "can_decide"]
    base_order = ("id", "desc")
    command_errors = (PaymentError,)

    def _back(self, pk=None) -> str:
        return url_for("PaymentView.show", pk=pk) if pk else url_for("PaymentView.list")

    @expose("/register", methods=["GET", "POST"])
    @has_access
    @permission_name("register")
    def register(self):
        """Register a payment received at a counter."""
        from core.payments.commands import register_payment

        fields = [Field("barcode", "Código de barras ou linha digitável", "text", True),
                  Field("amount", "Valor pago (R$)", "money", True),
                  Field("paid_on", "Data do pagamento", "date", True,
                        placeholder="DD/MM/AAAA")]

        def run(values):
            payment = register_payment(values["barcode"], values["amount"],
                                       values["paid_on"], actor=actor())
            return (f"{payment} registrado: {payment.status_label.lower()}.",
                    self._back(payment.id))

        return self.action_form("Registrar pagamento", fields, run,
                                back=self._back(), submit="Registrar")

    @expose("/reclassify", methods=["GET", "POST"])
    @has_access
    @permission_name("reclassify")
    def reclassify(self):
        """Classify every pending payment again (a job)."""
        from core.toolkits.jobs import JobRun, start_job

        def run(values):
            run_id = start_job("payments.classify", {}, user=actor())
            counts = db.session.get(JobRun, run_id).counts()
            done = ", ".join(f"{k}: {v}" for k, v in counts.items()) or "nenhum"
            return (f"Classificação executada (rotina {run_id}); {done}.",
                    self._back())

        return self.action_form(
            "Classificar pagamentos pendentes", [], run, back=self._back(),
            submit="Classificar",
            intro="Só os pagamentos a classificar são tocados; as classificações "
                  "manuais ficam como estão.")

    def _decision(self, pk: int, title: str, command, extra_fields=()):
        payment = db.session.get(p.Payment, pk)
        fields = [*extra_fields, Field("note", "Observação", "textarea")]

        def run(values):
            note = values.pop("note") or ""
            command(payment, note=note, actor=actor(), **values)
            return f"{payment}: {payment.status_label.lower()}.", self._back(pk)

        return self.action_form(f"{title} — {payment}", fields, run,
                                back=self._back(pk))

    @expose("/refund/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("decide")
    def refund(self, pk: int):
        """Mark a payment as to be refunded."""
        from core.payments.commands import refund

        return self._decision(pk, "Devolver ao pagador", refund)

    @expose("/credit/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("decide")
    def credit(self, pk: int):
        """Turn a payment's excess into a credit on the next bills."""
        from core.payments.commands import convert_to_credit

        return self._decision(pk, "Converter em crédito", convert_to_credit)

    @expose("/apply/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("decide")
    def apply(self, pk: int):
        """Make a payment pay another document."""
        from core.payments.commands import apply_to

        fields = (Field("bill_id", "Conta (número)", "int"),
                  Field("slip_id", "Guia de pagamento (número)", "int"),
                  Field("document_id", "Documento de cobrança (número)", "int"))
        return self._decision(pk, "Aplicar a outro documento", apply_to, fields)


VIEWS = [
    (PaymentView, "Pagamentos", "fa-money"),
    (ReturnFileView, "Arquivos de retorno", "fa-file-text-o"),
    (ReturnFileLineView, "Linhas dos retornos", "fa-align-left"),
    (CollectorView, "Arrecadadores", "fa-university"),
    (CollectorContractView, "Contratos de arrecadação", "fa-handshake-o"),
]
TITLES = {
    PaymentView: ("pagamento", "Pagamentos"),
    ReturnFileView: ("arquivo de retorno", "Arquivos de retorno"),
    ReturnFileLineView: ("linha de retorno", "Linhas dos retornos"),
    CollectorView: ("arrecadador", "Arrecadadores"),
    CollectorContractView: ("contrato de arrecadação", "Contratos de arrecadação"),
}


def register(appbuilder) -> None:
    """Add the payment-collection screens and menus."""
    add_views(appbuilder, VIEWS, TITLES, CATEGORY)
