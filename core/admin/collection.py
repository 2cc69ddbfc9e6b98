"""Admin screens of collection (cobrança), in Portuguese.

Payment slips and debt statements are issued, downloaded as PDF and
e-mailed here; collection criteria and actions are edited; a collection
command selects properties and issues their documents (a job); an
installment plan is simulated, confirmed and cancelled. Every operation
calls the commands of :mod:`core.collection` and nothing else.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name

from core.admin.service import (
    READ_ONLY,
    ActionViewMixin,
    Field,
    actor,
    add_views,
    code_options,
    options,
)
from core.admin.views import SaneaModelView
from core.collection.errors import CollectionError
from core.domain import collection as c
from core.domain.cadastre import Locality
from core.domain.reference import DebitType
from core.extensions import db
from core.services.money import format_brl

CATEGORY = "Cobrança"

LABELS = {
    "id": "Número", "property": "Imóvel", "customer": "Cliente",
    "debit_type": "Tipo de débito", "description": "Descrição",
    "amount": "Valor (R$)", "issued_on": "Emissão", "due_date": "Vencimento",
    "reference_month": "Referência (AAAAMM)", "status": "Situação",
    "status_label": "Situação", "charges_fine": "Cobra acréscimos",
    "origin": "Origem", "typed_line": "Linha digitável", "barcode": "Código de barras",
    "pix_code": "Pix copia e cola", "paid_on": "Pago em",
    "created_by": "Emitido por", "name": "Nome", "min_debt": "Débito mínimo (R$)",
    "max_debt": "Débito máximo (R$)", "min_bills": "Contas vencidas (mínimo)",
    "max_bills": "Contas vencidas (máximo)",
    "min_days_overdue": "Atraso da conta mais antiga (dias)",
    "include_slips": "Inclui guias",
    "include_pending_debits": "Inclui débitos a cobrar",
    "active": "Ativo", "water_situations": "Situações de água",
    "sewer_situations": "Situações de esgoto", "code": "Código", "label": "Descrição",
    "document_kind": "Documento", "document_type_number": "Tipo de documento (GSAN)",
    "service_type": "Tipo de serviço (OS)", "predecessor": "Ação precedente",
    "min_days_after_predecessor": "Dias após a precedente",
    "validity_days": "Validade (dias)", "due_days": "Prazo de pagamento (dias)",
    "criterion": "Critério", "charges_late_fees": "Calcula acréscimos",
    "sort_order": "Ordem", "action": "Ação", "command": "Comando",
    "locality": "Localidade",
    "reference_date": "Data de referência", "simulate": "Simulação",
    "selected": "Selecionados", "documents": "Documentos", "work_orders": "OS",
    "total": "Total (R$)", "executed_at": "Executado em", "sequence": "Sequencial",
    "kind": "Tipo", "kind_label": "Tipo", "valid_until": "Válido até",
    "charges_until": "Acréscimos até", "charges": "Acréscimos (R$)",
    "credits": "Créditos (R$)", "action_status": "Situação da ação",
    "action_status_label": "Situação da ação", "debt_status": "Situação do débito",
    "debt_status_label": "Situação do débito", "work_order": "Ordem de serviço",
    "document": "Documento", "fine": "Multa (R$)", "interest": "Juros (R$)",
    "monetary_update": "Atualização (R$)", "created_on": "Data",
    "debt_total": "Débito atualizado (R$)", "down_payment": "Entrada (R$)",
    "installments": "Parcelas", "installment_value": "Parcela (R$)",
    "interest_percent": "Juros (% a.m.)", "financed": "Financiado (R$)",
    "financed_total": "Financiado com juros (R$)",
    "down_payment_slip": "Guia da entrada",
    "down_payment_paid_on": "Entrada paga em",
    "cancel_reason": "Motivo do cancelamento",
    "cancelled_at": "Cancelado em", "plan": "Parcelamento", "factor": "Fator",
    "bills_amount": "Contas (R$)", "slips_amount": "Guias (R$)",
    "debits_amount": "Débitos a cobrar (R$)", "credits_amount": "Créditos (R$)",
}


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


class PaymentSlipView(ActionViewMixin, SaneaModelView):
    datamodel = SQLAInterface(c.PaymentSlip)
    list_template = "core_admin/list_actions.html"
    show_template = "core_admin/show_actions.html"
    extra_args = {
        "list_actions": [("issue", "Emitir guia de pagamento", "fa-plus")],
        "show_actions": [("pdf", "Guia (PDF)", "fa-file-pdf-o", "primary"),
                         ("email", "Enviar por e-mail", "fa-envelope", "default"),
                         ("cancel", "Cancelar", "fa-ban", "danger")],
    }
    list_columns = ["id", "property", "customer", "debit_type", "amount",
                    "issued_on", "due_date", "status_label", "paid_on"]
    search_columns = ["property", "customer", "debit_type", "status", "issued_on",
                      "due_date", "origin"]
    show_columns = ["id", "property", "customer", "debit_type", "description",
                    "amount", "issued_on", "due_date", "status_label",
                    "charges_fine", "origin", "typed_line", "barcode", "pix_code",
                    "paid_on", "created_by"]
    label_columns = LABELS
    base_permissions = READ_ONLY + ["can_issue", "can_pdf", "can_email", "can_cancel"]
    base_order = ("id", "desc")
    command_errors = (CollectionError,)

    def _back(self, pk=None) -> str:
        name = type(self).__name__
        return url_for(f"{name}.show", pk=pk) if pk else url_for(f"{name}.list")

    @expose("/issue", methods=["GET", "POST"])
    @has_access
    @permission_name("issue")
    def issue(self):
        """Issue a payment slip for a property."""
        from core.collection.slips import issue_slip

        fields = [Field("property_id", "Matrícula do imóvel", "registration", True),
                  Field("debit_type", "Tipo de débito", "select", True,
                        code_options(DebitType)),
                  Field("amount", "Valor (R$)", "money", True),
                  Field("due_date", "Vencimento", "date", placeholder="DD/MM/AAAA",
                        help="Vazio: o prazo padrão da companhia."),
                  Field("description", "Descrição")]

        def run(values):
            slip = issue_slip(actor=actor(), **values)
            return f"{slip} emitida: {format_brl(slip.amount)}.", self._back(slip.id)

        return self.action_form("Emitir guia de pagamento", fields, run,
                                back=self._back(), submit="Emitir")

    @expose("/pdf/<int:pk>")
    @has_access
    @permission_name("pdf")
    def pdf(self, pk: int):
        """Download the slip as PDF."""
        from core.documents.statement import render_slip_pdf

        if db.session.get(c.PaymentSlip, pk) is None:
            abort(404)
        return _pdf(render_slip_pdf(pk), f"guia-{pk}.pdf")

    @expose("/email/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("email")
    def email(self, pk: int):
        """E-mail the slip to its customer."""
        from core.collection.notices import email_slip

        def run(values):
            delivery = email_slip(pk, values["to"])
            sent = ", ".join(delivery.recipients)
            return f"Guia enviada para {sent}.", self._back(pk)

        return self.action_form(f"Enviar guia {pk} por e-mail",
                                [Field("to", "E-mail (vazio: o do cliente)")], run,
                                back=self._back(pk), submit="Enviar")

    @expose("/cancel/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("cancel")
    def cancel(self, pk: int):
        """Cancel an open slip."""
        from core.collection.slips import cancel_slip

        slip = db.session.get(c.PaymentSlip, pk)

        def run(values):
            cancel_slip(slip, actor())
            return f"{slip} cancelada.", self._back(pk)

        return self.action_form(f"Cancelar {slip}", [], run, back=self._back(pk),
                                submit="Cancelar a guia")


class CollectionDocumentItemView(SaneaModelView):
    datamodel = SQLAInterface(c.CollectionDocumentItem)
    list_columns = ["kind_label", "description", "reference_month", "due_date",
                    "amount", "fine", "interest", "monetary_update", "debt_status"]
    label_columns = LABELS
    base_permissions = READ_ONLY


class CollectionDocumentView(ActionViewMixin, SaneaModelView):
    datamodel = SQLAInterface(c.CollectionDocument)
    list_template = "core_admin/list_actions.html"
    show_template = "core_admin/show_actions.html"
    extra_args = {
        "list_actions": [("statement", "Emitir extrato de débitos", "fa-plus")],
        "show_actions": [("pdf", "Documento (PDF)", "fa-file-pdf-o", "primary"),
                         ("email", "Enviar por e-mail", "fa-envelope", "default"),
                         ("cancel", "Cancelar", "fa-ban", "danger")],
    }
    list_columns = ["sequence", "kind_label", "property", "issued_on", "due_date",
                    "total", "action_status_label", "debt_status_label", "work_order"]
    search_columns = ["sequence", "kind", "property", "action", "command",
                      "issued_on", "due_date", "action_status", "debt_status"]
    show_columns = ["sequence", "kind_label", "property", "action", "command",
                    "issued_on", "due_date", "valid_until", "charges_until", "amount",
                    "charges", "credits", "total", "action_status_label",
                    "debt_status_label", "work_order", "typed_line", "barcode",
                    "pix_code", "paid_on", "created_by"]
    related_views = [CollectionDocumentItemView]
    label_columns = LABELS
    base_permissions = READ_ONLY + ["can_statement", "can_pdf", "can_email",
                                    "can_cancel"]
    base_order = ("id", "desc")
    command_errors = (CollectionError,)

    def _back(self, pk=None) -> str:
        name = type(self).__name__
        return url_for(f"{name}.show", pk=pk) if pk else url_for(f"{name}.list")

    @expose("/statement", methods=["GET", "POST"])
    @has_access
    @permission_name("statement")
    def statement(self):
        """Issue a property's debt statement."""
        from core.collection.documents import issue_statement

        fields = [Field("property_id", "Matrícula do imóvel", "registration", True),
                  Field("payment_date", "Data de pagamento", "date",
                        placeholder="DD/MM/AAAA",
                        help="Vazio: a validade padrão do extrato."),
                  Field("include_credits", "Deduzir os créditos a realizar",
                        "checkbox")]

        def run(values):
            document = issue_statement(values["property_id"],
                                       payment_date=values["payment_date"],
                                       include_credits=values["include_credits"],
                                       actor=actor())
            return (f"Extrato {document.sequence} emitido: "
                    f"{format_brl(document.total)}.", self._back(document.id))

        return self.action_form("Emitir extrato de débitos", fields, run,
                                back=self._back(), submit="Emitir",
                                defaults={"include_credits": True})

    @expose("/pdf/<int:pk>")
    @has_access
    @permission_name("pdf")
    def pdf(self, pk: int):
        """Download the document as PDF."""
        from core.documents.statement import render_document_pdf

        document = db.session.get(c.CollectionDocument, pk)
        if document is None:
            abort(404)
        return _pdf(render_document_pdf(pk), f"{document.kind}-{document.sequence}.pdf")

    @expose("/email/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("email")
    def email(self, pk: int):
        """E-mail the document to the property's customer."""
        from core.collection.notices import email_document

        def run(values):
            delivery = email_document(pk, values["to"])
            return (f"Documento enviado para {', '.join(delivery.recipients)}.",
                    self._back(pk))

        return self.action_form(f"Enviar documento {pk} por e-mail",
                                [Field("to", "E-mail (vazio: o do cliente)")], run,
                                back=self._back(pk), submit="Enviar")

    @expose("/cancel/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("cancel")
    def cancel(self, pk: int):
        """Cancel an unpaid document (its credits come back)."""
        from core.collection.documents import cancel_document

        document = db.session.get(c.CollectionDocument, pk)

        def run(values):
            cancel_document(document, actor())
            return f"{document} cancelado.", self._back(pk)

        return self.action_form(f"Cancelar {document}", [], run, back=self._back(pk),
                                submit="Cancelar o documento")


class CollectionCriterionView(SaneaModelView):
    datamodel = SQLAInterface(c.CollectionCriterion)
    list_columns = ["name", "min_debt", "max_debt", "min_bills", "max_bills",
                    "min_days_overdue", "active"]
    search_columns = ["name", "active"]
    add_columns = edit_columns = [
        "name", "min_debt", "max_debt", "min_bills", "max_bills", "min_days_overdue",
        "include_slips", "include_pending_debits", "water_situations",
        "sewer_situations", "active"]
    label_columns = LABELS


class CollectionActionView(SaneaModelView):
    datamodel = SQLAInterface(c.CollectionAction)
    list_columns = ["code", "label", "document_kind", "service_type", "predecessor",
                    "criterion", "active"]
    search_columns = ["code", "label", "document_kind", "active"]
    add_columns = edit_columns = [
        "code", "label", "document_kind", "document_type_number", "service_type",
        "predecessor", "min_days_after_predecessor", "validity_days", "due_days",
        "criterion", "charges_late_fees", "sort_order", "active"]
    label_columns = LABELS


class MonetaryIndexView(SaneaModelView):
    datamodel = SQLAInterface(c.MonetaryIndex)
    list_columns = ["reference_month", "factor"]
    add_columns = edit_columns = list_columns
    label_columns = LABELS
    base_order = ("reference_month", "desc")


class CollectionCommandView(ActionViewMixin, SaneaModelView):
    datamodel = SQLAInterface(c.CollectionCommand)
    list_template = "core_admin/list_actions.html"
    extra_args = {"list_actions": [("run", "Novo comando de cobrança", "fa-play")]}
    list_columns = ["id", "action", "criterion", "locality", "reference_date",
                    "simulate", "selected", "documents", "work_orders", "total",
                    "status", "executed_at"]
    search_columns = ["action", "criterion", "locality", "reference_date", "simulate"]
    label_columns = LABELS
    base_permissions = READ_ONLY + ["can_run"]
    base_order = ("id", "desc")
    command_errors = (CollectionError,)

    @expose("/run", methods=["GET", "POST"])
    @has_access
    @permission_name("run")
    def run(self):
        """Create a collection command and run it (the job splits per locality)."""
        from core.collection.actions import create_command
        from core.toolkits.jobs import start_job

        fields = [
            Field("action", "Ação de cobrança", "select", True,
                  code_options(c.CollectionAction)),
            Field("criterion_id", "Critério", "select", False,
                  options(c.CollectionCriterion),
                  help="Vazio: o critério padrão da ação."),
            Field("locality_id", "Localidade", "select", False,
                  options(Locality, label=str)),
            Field("reference_date", "Data de referência", "date",
                  placeholder="DD/MM/AAAA", help="Vazio: hoje."),
            Field("simulate", "Só simular (não emite documentos)", "checkbox"),
        ]

        def execute(values):
            criterion = int(values["criterion_id"]) if values["criterion_id"] else None
            locality = int(values["locality_id"]) if values["locality_id"] else None
            command = create_command(values["action"], criterion_id=criterion,
                                     locality_id=locality,
                                     reference_date=values["reference_date"],
                                     simulate=values["simulate"], actor=actor())
            db.session.commit()
            run_id = start_job("collection.issue_documents",
                               {"command_id": command.id}, user=actor())
            db.session.refresh(command)
            return (f"Comando {command.id} (rotina {run_id}): {command.selected} "
                    f"imóvel(is) selecionado(s), {command.documents} documento(s).",
                    url_for("CollectionCommandView.list"))

        return self.action_form("Novo comando de cobrança", fields, execute,
                                back=url_for("CollectionCommandView.list"),
                                submit="Executar")


class InstallmentPlanItemView(SaneaModelView):
    datamodel = SQLAInterface(c.InstallmentPlanItem)
    list_columns = ["kind_label", "description", "reference_month", "due_date",
                    "amount", "fine", "interest", "monetary_update"]
    label_columns = LABELS
    base_permissions = READ_ONLY


class InstallmentPlanView(ActionViewMixin, SaneaModelView):
    datamodel = SQLAInterface(c.InstallmentPlan)
    list_template = "core_admin/list_actions.html"
    show_template = "core_admin/show_actions.html"
    extra_args = {
        "list_actions": [("simulate", "Simular parcelamento", "fa-calculator")],
        "show_actions": [("cancel", "Cancelar parcelamento", "fa-ban", "danger")],
    }
    list_columns = ["id", "property", "created_on", "debt_total", "down_payment",
                    "installments", "installment_value", "status_label",
                    "down_payment_paid_on"]
    search_columns = ["property", "created_on", "status", "installments"]
    show_columns = ["id", "property", "status_label", "created_on", "bills_amount",
                    "slips_amount", "debits_amount", "credits_amount", "fine",
                    "interest", "monetary_update", "debt_total", "down_payment",
                    "installments", "installment_value", "interest_percent",
                    "financed", "financed_total", "down_payment_slip",
                    "down_payment_paid_on", "cancelled_at", "cancel_reason",
                    "created_by"]
    related_views = [InstallmentPlanItemView]
    label_columns = LABELS
    base_permissions = READ_ONLY + ["can_simulate", "can_cancel"]
    base_order = ("id", "desc")
    command_errors = (CollectionError,)

    @expose("/simulate", methods=["GET", "POST"])
    @has_access
    @permission_name("simulate")
    def simulate(self):
        """Simulate the options of a property's debts and confirm one."""
        from core.admin.service import parse_form
        from core.collection.installments import confirm, simulate

        fields = [Field("property_id", "Matrícula do imóvel", "registration", True),
                  Field("down_payment", "Entrada (R$)", "money",
                        help="Vazio: a entrada mínima.")]
        values, raw, errors = parse_form(fields) if request.method == "POST" else (
            {}, {}, [])
        simulation = None
        if request.method == "POST" and not errors:
            try:
                simulation = simulate(values["property_id"], values["down_payment"])
                chosen = request.form.get("installments")
                if chosen:
                    plan = confirm(values["property_id"], int(chosen),
                                   values["down_payment"], actor=actor())
                    db.session.commit()
                    return self._confirmed(plan)
            except CollectionError as exc:
                db.session.rollback()
                errors = exc.errors
        return self.render_template(
            "core_admin/installments.html", fields=fields, values=raw, errors=errors,
            simulation=simulation, money=format_brl,
        ), (422 if errors else 200)

    def _confirmed(self, plan):
        flash(f"{plan} confirmado: entrada de {format_brl(plan.down_payment)} e "
              f"{plan.installments} parcela(s) de "
              f"{format_brl(plan.installment_value)}.", "success")
        return redirect(url_for("InstallmentPlanView.show", pk=plan.id))

    @expose("/cancel/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("cancel")
    def cancel(self, pk: int):
        """Cancel a plan and give its debts back."""
        from core.collection.installments import cancel

        plan = db.session.get(c.InstallmentPlan, pk)

        def run(values):
            cancel(plan, values["reason"] or "", actor())
            return f"{plan} cancelado; os débitos voltaram a ficar em aberto.", \
                url_for("InstallmentPlanView.show", pk=pk)

        return self.action_form(f"Cancelar {plan}",
                                [Field("reason", "Motivo", "textarea", True)], run,
                                back=url_for("InstallmentPlanView.show", pk=pk))


VIEWS = [
    (CollectionDocumentView, "Documentos de cobrança", "fa-file-text"),
    (PaymentSlipView, "Guias de pagamento", "fa-barcode"),
    (InstallmentPlanView, "Parcelamentos", "fa-calendar"),
    (CollectionCommandView, "Comandos de cobrança", "fa-play-circle"),
    (CollectionCriterionView, "Critérios de cobrança", "fa-filter"),
    (CollectionActionView, "Ações de cobrança", "fa-bolt"),
    (MonetaryIndexView, "Índices de atualização monetária", "fa-line-chart"),
]
TITLES = {
    CollectionDocumentView: ("documento de cobrança", "Documentos de cobrança"),
    PaymentSlipView: ("guia de pagamento", "Guias de pagamento"),
    InstallmentPlanView: ("parcelamento", "Parcelamentos"),
    CollectionCommandView: ("comando de cobrança", "Comandos de cobrança"),
    CollectionCriterionView: ("critério de cobrança", "Critérios de cobrança"),
    CollectionActionView: ("ação de cobrança", "Ações de cobrança"),
    MonetaryIndexView: ("índice de atualização", "Índices de atualização monetária"),
    CollectionDocumentItemView: ("item do documento", "Itens do documento"),
    InstallmentPlanItemView: ("item do parcelamento", "Itens do parcelamento"),
}


def register(appbuilder) -> None:
    """Add the collection screens and menus."""
    add_views(appbuilder, VIEWS, TITLES, CATEGORY)
    appbuilder.add_view_no_menu(CollectionDocumentItemView)
    appbuilder.add_view_no_menu(InstallmentPlanItemView)

