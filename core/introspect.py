"""Describe what a running application loaded."""

from __future__ import annotations

from flask import Flask


def describe_plugins(app: Flask) -> list[str]:
    """Return one block of lines per plugin: version, use cases and hooks."""
    pm = app.extensions["sanea.pm"]
    lines = []
    for name, plugin in pm.list_name_plugin():
        manifest = None
        if hasattr(plugin, "sanea_manifest"):
            manifest = plugin.sanea_manifest()
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        if manifest is not None:
            lines.append(f"{manifest.name} {manifest.version} — {manifest.title}")
            if manifest.use_cases:
                lines.append("  casos de uso: " + ", ".join(manifest.use_cases))
            if manifest.depends:
                lines.append("  depende de: " + ", ".join(manifest.depends))
        else:
            lines.append(f"{name} (perfil da companhia)")
        lines.append("  hooks: " + ", ".join(hooks))
    return lines
