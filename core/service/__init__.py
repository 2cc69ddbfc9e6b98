"""Customer service: requests (RA), routing, work orders (OS).

Public API: ``core.service.commands`` (``open_request``, ``route_request``,
``close_request``, ``issue_work_order``, ``execute_work_order``,
``close_work_order``, ``apply_default_deadlines``) and the commercial
updates of ``core.service.updates`` (extended through the hook
``sanea_work_order_updates``; ``sanea_work_order_closed`` tells plugins a
work order closed).

Limitations: requesters are one name (or customer) per request, not GSAN's
list of solicitantes; attachments, reiteration counters, reactivation,
programming of work orders by team and the per-category price matrix
(``servico_cobranca_valor``) are not modelled; a work order's value comes
from its service type or is typed at issue or execution.
"""
