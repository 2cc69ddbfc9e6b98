"""The core's admin screens."""


def register_core_views(appbuilder) -> None:
    """Add every core screen to the AppBuilder."""
    from core.admin import cadastre, system

    cadastre.register(appbuilder)
    system.register(appbuilder)

    from core.admin import reports

    reports.register(appbuilder)

    from core.admin import partners

    partners.register(appbuilder)

    from core.toolkits.api_platform import views as api_platform

    api_platform.register(appbuilder)

    from core.admin import billing

    billing.register(appbuilder)

    from core.admin import collection, payments, service

    service.register(appbuilder)
    payments.register(appbuilder)
    collection.register(appbuilder)
