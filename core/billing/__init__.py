"""The monthly billing cycle: read meters, decide consumption, bill, rectify.

Commands (validate everything first, commit once; a view, the CLI and a
job call the same function):

- :mod:`core.billing.metering` — install and remove meters, record readings;
- :mod:`core.billing.schedule` — a group's schedule for a month;
- :mod:`core.billing.generate` — decide a route's consumption and bill it
  (the unit of work of the billing job);
- :mod:`core.billing.operations` — rectify or cancel a bill, release a
  consumption held for analysis;
- :mod:`core.billing.jobs` — the jobs ``billing.compute_consumption`` and
  ``billing.bill_group``, split by route.

``docs/billing.md`` describes the cycle and its limitations.
"""

from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
