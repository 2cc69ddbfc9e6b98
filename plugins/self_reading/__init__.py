"""Autoleitura: the customer informs the meter reading (CAERN, §4.C)."""

from core.manifest import Manifest

MANIFEST = Manifest(
    name="self_reading",
    title="Autoleitura",
    version="0.1.0",
    use_cases=(
        "UC2001",
        "UC2009",
        "UC2010",
        "UC2011",
        "UC2020",
        "UC2021",
        "UC2028",
        "UC2029",
        "UC2030",
    ),
    depends=("customer_access",),
    description="Adesão, janela, verificação e envio da leitura pelo cliente, "
    "convites por e-mail e aplicação da leitura no faturamento.",
    table_prefix="self_reading_",
    api_paths=("/imoveis/{matricula}/autoleitura", "/clientes/{cliente_id}/imoveis"),
)
