"""The partner API platform of integração §2.3-§2.8, on the API toolkit.

:func:`install` (called by the core before any plugin adds routes) adds:

- the ``cliente`` kind of caller: a partner token plus ``X-Cliente-Sessao``
  (:mod:`.sessions`: :func:`open_session`, :func:`require_customer`,
  :func:`require_property`, :func:`revoke_customer_sessions`);
- three middlewares, outermost first: the call log (:mod:`.audit`), the
  per-token and per-customer rate limits (:mod:`.limits`, the partner's own
  limits in ``api_partner_policy``) and the transaction with
  ``Idempotency-Key`` (:mod:`.idempotency`).

Plugins declare routes with :func:`platform_route` (:mod:`.routes`), page
collections with :func:`paginate` / :func:`paginate_select` (:mod:`.paging`),
throttle with :func:`enforce` and lock after failed proofs with
:func:`record_failure` / :func:`locked_until` (:mod:`.limits`).

Handlers of state-changing routes only flush: the platform commits, with
the idempotency row in the same transaction. A handler that must keep
something although it answers an error (a failed proof's counter) commits
that itself before raising.
"""

from core.toolkits.api_platform.install import install

__all__ = ["install"]
