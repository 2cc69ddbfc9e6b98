"""A fake plugin that fails at import."""

raise ImportError("dependência ausente: biblioteca_inexistente")
