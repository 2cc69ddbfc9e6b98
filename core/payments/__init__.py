"""Payment collection: collectors, return files, payments and their classification.

Public API: ``core.payments.imports.import_return_file`` (CNAB 150),
``core.payments.commands.register_payment`` / ``refund`` /
``convert_to_credit`` / ``apply_to``, ``core.payments.classify.classify_payments``
(job ``payments.classify``).

Limitations: only barcode payments (record G) are read; direct debit
(records B, C, E, F), bank notices (aviso bancário) and the monthly closing
of the collection month are not handled; a refund is recorded as a
decision, without the refund document (guia de devolução).
"""
