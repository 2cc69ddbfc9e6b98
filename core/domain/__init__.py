"""The GSAN base shared by every capability (DESIGN.md §4)."""


def import_models() -> None:
    """Import every core model module so its tables join the metadata."""
    from core.domain import audit, cadastre, parameters, reference  # noqa: F401
    from core.domain import billing, metering  # noqa: F401
    from core.toolkits import api_models, jobs  # noqa: F401
    from core.domain import collection, payments, service  # noqa: F401
    from core import storage  # noqa: F401
    from core.toolkits.api_platform import models  # noqa: F401
