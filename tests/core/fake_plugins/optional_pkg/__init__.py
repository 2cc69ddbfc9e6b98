"""A fake optional plugin package whose hooks module fails to import."""

from core.manifest import Manifest

MANIFEST = Manifest(name="optional_pkg", title="Opcional", version="0.1", optional=True)
