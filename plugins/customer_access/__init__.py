"""Identificação e acesso do cliente: the bot chain of CAER (UC2088-UC2096)."""

from core.manifest import Manifest

MANIFEST = Manifest(
    name="customer_access",
    title="Identificação e acesso do cliente",
    version="0.1.0",
    use_cases=("UC2088", "UC2089", "UC2090", "UC2091", "UC2092", "UC2093",
               "UC2094", "UC2095", "UC2096"),
    description="Identificação do cliente por documento e fatores, sessão do "
                "cliente para parceiros, e-mail e senha de acesso.",
    table_prefix="customer_access_",
    api_paths=("/identificacoes", "/clientes/{cliente_id}/email",
               "/clientes/{cliente_id}/senha"),
)
