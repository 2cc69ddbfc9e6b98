"""Run collection actions: select properties by a criterion, issue documents.

core-domain.md §3.2 "Emitir". A command (comando eventual) runs one action
with one criterion over the properties with overdue bills (of a locality,
if given) as of a reference date. For each property:

1. the water and sewer situations must be among the criterion's (if any);
2. the oldest overdue bill must be at least ``min_days_overdue`` old, the
   overdue bills between ``min_bills`` and ``max_bills`` and the debt
   between ``min_debt`` and ``max_debt``;
3. with a predecessor action, a pending document of it issued at least
   ``min_days_after_predecessor`` days before;
4. no still-valid pending document of the same action.

The document lists the debts with late charges to the issue date; an action
with a service type also issues the work order (a cut order issues a cut).
A rerun of the same command never issues a second document for a property.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.clock import today
from core.collection.charges import late_charge_rules
from core.collection.debts import Debt, open_bills, property_debts, total_of
from core.collection.documents import barcode_problems, issue_action_document
from core.collection.errors import CollectionError
from core.domain.base import utcnow
from core.domain.billing import OPEN_BILL_STATUSES, Bill
from core.domain.cadastre import Locality, Property
from core.domain.collection import (
    BillSettlement,
    CollectionAction,
    CollectionCommand,
    CollectionCriterion,
    CollectionDocument,
)
from core.extensions import db
from core.service.commands import issue_work_order
from core.services.money import ZERO, format_brl

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selection:
    """Why a property was (or was not) selected, and the debts it owes."""

    selected: bool
    reason: str
    lines: tuple[Debt, ...] = ()

    @property
    def total(self) -> Decimal:
        return total_of(list(self.lines))


def _situations_match(prop: Property, criterion: CollectionCriterion) -> str | None:
    waters = {s.id for s in criterion.water_situations}
    if waters and prop.water_situation_id not in waters:
        return f"ligação de água '{prop.water_situation.label}' fora do critério"
    sewers = {s.id for s in criterion.sewer_situations}
    if sewers and prop.sewer_situation_id not in sewers:
        return f"ligação de esgoto '{prop.sewer_situation.label}' fora do critério"
    return None


def _previous_documents(prop, action, reference_date: date) -> str | None:
    same = db.session.scalar(
        select(CollectionDocument).where(
            CollectionDocument.property_id == prop.id,
            CollectionDocument.action_id == action.id,
            CollectionDocument.action_status == "pending",
            CollectionDocument.debt_status == "pending",
            CollectionDocument.valid_until >= reference_date,
        ).limit(1)
    )
    if same is not None:
        return f"já tem {same.kind_label.lower()} {same.sequence} válido"
    if action.predecessor is None:
        return None
    latest = reference_date - timedelta(days=action.min_days_after_predecessor)
    before = db.session.scalar(
        select(CollectionDocument).where(
            CollectionDocument.property_id == prop.id,
            CollectionDocument.action_id == action.predecessor_id,
            CollectionDocument.debt_status == "pending",
            CollectionDocument.action_status.in_(("pending", "executed")),
            CollectionDocument.issued_on <= latest,
        ).limit(1)
    )
    if before is None:
        return f"sem {action.predecessor.label.lower()} anterior no prazo"
    return None


def _bounds(value, low, high) -> bool:
    return value >= low and (high is None or value <= high)


def select_property(prop: Property, action: CollectionAction,
                    criterion: CollectionCriterion, reference_date: date,
                    rules=None) -> Selection:
    """Tell whether an action reaches a property, and for which debts."""
    reason = _situations_match(prop, criterion)
    if reason:
        return Selection(False, reason)
    bills = open_bills(prop.id, due_before=reference_date)
    if not bills:
        return Selection(False, "sem contas vencidas")
    oldest = min(bill.due_date for bill in bills)
    if (reference_date - oldest).days < criterion.min_days_overdue:
        return Selection(False, "conta mais antiga vencida há menos dias que o "
                                "critério")
    if not _bounds(len(bills), criterion.min_bills, criterion.max_bills):
        return Selection(False, f"{len(bills)} conta(s) vencida(s), fora do critério")
    lines = property_debts(
        prop, reference_date, slips=criterion.include_slips,
        debits=criterion.include_pending_debits, credits=False,
        due_before=reference_date, rules=rules,
    )
    if not action.charges_late_fees:
        lines = [Debt(x.kind, x.row, x.description, x.reference_month, x.due_date,
                      x.amount) for x in lines]
    total = total_of(lines)
    if not _bounds(total, criterion.min_debt, criterion.max_debt):
        return Selection(False, f"débito de {format_brl(total)} fora do critério")
    reason = _previous_documents(prop, action, reference_date)
    if reason:
        return Selection(False, reason)
    return Selection(True, "selecionado", tuple(lines))


def create_command(action: str, *, criterion_id: int | None = None,
                   locality_id: int | None = None, reference_date: date | None = None,
                   simulate: bool = False, actor: str | None = None
                   ) -> CollectionCommand:
    """Record a collection command, to be run by :func:`run_command`."""
    errors: list[str] = []
    row = db.session.scalar(select(CollectionAction).where(
        CollectionAction.code == action))
    if row is None or not row.active:
        errors.append(f"Ação de cobrança '{action}' inexistente ou inativa.")
    criterion = db.session.get(CollectionCriterion, criterion_id) if criterion_id \
        else (row.criterion if row is not None else None)
    if criterion is None or not criterion.active:
        errors.append("Informe um critério de cobrança ativo.")
    if locality_id and db.session.get(Locality, locality_id) is None:
        errors.append(f"Localidade {locality_id} inexistente.")
    errors.extend(barcode_problems())
    if errors:
        raise CollectionError(errors)
    if actor:
        db.session.info["actor"] = actor
    command = CollectionCommand(
        action=row, criterion=criterion, locality_id=locality_id or None,
        reference_date=reference_date or today(), simulate=simulate,
        status="created", created_by=actor,
    )
    db.session.add(command)
    db.session.flush()
    return command


def candidate_properties(command: CollectionCommand,
                         locality_id: int | None = None) -> list[Property]:
    """Return the properties with bills overdue at the command's reference date."""
    query = (
        select(Property).join(Bill, Bill.property_id == Property.id)
        .outerjoin(BillSettlement, BillSettlement.bill_id == Bill.id)
        .where(Bill.status.in_(OPEN_BILL_STATUSES), BillSettlement.bill_id.is_(None),
               Bill.due_date < command.reference_date)
        .distinct().order_by(Property.id)
    )
    locality = locality_id or command.locality_id
    if locality:
        query = query.where(Property.locality_id == locality)
    return list(db.session.scalars(query))


def command_localities(command: CollectionCommand) -> list[int]:
    """Return the localities the command's candidates are in (its job chunks)."""
    return sorted({p.locality_id for p in candidate_properties(command)})


def run_command(command: CollectionCommand, locality_id: int | None = None,
                ctx=None) -> dict[str, int]:
    """Issue the command's documents (and work orders) to the selected properties."""
    counts = {"selected": 0, "documents": 0, "work_orders": 0}
    rules = late_charge_rules()
    for prop in candidate_properties(command, locality_id):
        done = db.session.scalar(select(CollectionDocument.id).where(
            CollectionDocument.command_id == command.id,
            CollectionDocument.property_id == prop.id))
        if done is not None:
            continue  # a rerun: this property already has its document
        choice = select_property(prop, command.action, command.criterion,
                                 command.reference_date, rules)
        if not choice.selected:
            if ctx is not None:
                ctx.count("skipped")
            continue
        counts["selected"] += 1
        command.total = (command.total or ZERO) + choice.total
        if command.simulate:
            continue
        _issue(command, prop, choice, counts)
    command.selected += counts["selected"]
    command.documents += counts["documents"]
    command.work_orders += counts["work_orders"]
    command.status, command.executed_at = "done", utcnow()
    db.session.flush()
    if ctx is not None:
        for key, value in counts.items():
            ctx.count(key, value)
    log.info("collection command %s: %s", command.id, counts)
    return counts


def _issue(command, prop, choice: Selection, counts: dict) -> None:
    document = issue_action_document(prop, command.action, list(choice.lines),
                                     command=command, issued_on=command.reference_date,
                                     actor=command.created_by)
    counts["documents"] += 1
    if command.action.service_type is not None:
        order = issue_work_order(command.action.service_type.code,
                                 property_id=prop.id, origin="collection",
                                 actor=command.created_by)
        document.work_order = order
        counts["work_orders"] += 1
    db.session.flush()


def issue_documents_job(ctx, command_id: int, locality_id: int | None = None) -> None:
    """Job ``collection.issue_documents``: run one locality of a command."""
    command = db.session.get(CollectionCommand, command_id)
    if command is None:
        from core.toolkits.jobs import JobError

        raise JobError(f"Comando de cobrança {command_id} inexistente.")
    run_command(command, locality_id, ctx)


def split_by_locality(params: dict) -> list[dict]:
    """Cut a command into one chunk per locality with candidates."""
    command = db.session.get(CollectionCommand, int(params["command_id"]))
    if command is None:
        return [params]
    return [{"command_id": command.id, "locality_id": locality}
            for locality in command_localities(command)] or [params]
