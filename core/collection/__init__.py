"""Collection: slips, statements, late charges, actions, installment plans.

Public API (what other capabilities call):

- ``core.collection.debts``: ``open_bills``, ``bill_balance``, ``is_bill_open``,
  ``open_slips``, ``open_debits``, ``open_credits``, ``property_debts`` (what
  a property owes, with late charges to a day);
- ``core.collection.charges.late_charges`` (company rates and calendar);
- ``core.collection.slips.issue_slip`` / ``cancel_slip``;
- ``core.collection.documents.issue_statement``, ``cancel_document``,
  ``expire_documents``; PDFs in ``core.documents.statement``;
- ``core.collection.actions.create_command`` / ``run_command`` (job
  ``collection.issue_documents``);
- ``core.collection.installments.simulate`` / ``confirm`` / ``cancel`` /
  ``undo_unpaid_plans``;
- ``core.collection.ledger.add_pending_debit`` / ``add_pending_credit``.

Limitations:

- collection calendars (cronograma per collection group), negativação and
  the "encerrar" activity of a schedule are not modelled; actions run as
  ad-hoc commands (comando eventual) with one criterion, whose lines by
  profile and category are collapsed into one set of bounds;
- installment plans use one term from the parameters: no board
  resolutions, profiles, re-installment counters or discounts;
- a cancelled plan is refused once its down payment is paid or an
  installment was billed (GSAN would need a re-installment);
- a predecessor action is set in the admin (the reference file cannot
  point one action at another).
"""
