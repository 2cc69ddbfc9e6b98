"""Build the plugin manager of one application, in the fixed startup order.

Order: the core's built-in rules (``trylast``), then the plugins the company
enables in dependency order, then the company profile itself. A plugin that
fails to load stops the application unless its manifest says optional.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from importlib.metadata import entry_points
from types import ModuleType

import pluggy

from core import hookspecs
from core.manifest import Manifest

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "sanea.plugins"


class PluginLoadError(RuntimeError):
    """A plugin could not be loaded; names the culprit plugin."""

    def __init__(self, plugin: str, reason: str):
        super().__init__(f"plugin {plugin!r} failed to load: {reason}")
        self.plugin = plugin


def available_plugins() -> dict[str, str]:
    """Map plugin name to module path, from entry points and the plugins folder."""
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    import plugins as plugins_pkg

    for info in pkgutil.iter_modules(plugins_pkg.__path__):
        if info.ispkg:
            found.setdefault(info.name, f"plugins.{info.name}.plugin")
    return found


def _import_plugin(name: str, path: str) -> tuple[ModuleType, Manifest]:
    module = importlib.import_module(path)
    manifest = module.sanea_manifest()
    if not isinstance(manifest, Manifest) or manifest.name != name:
        raise PluginLoadError(name, "sanea_manifest() must return its Manifest")
    return module, manifest


def _is_optional(path: str) -> bool:
    """Read the optional flag from the plugin package's MANIFEST, if importable."""
    try:
        package = importlib.import_module(path.rsplit(".", 1)[0])
    except Exception:  # the package itself is broken: not provably optional
        return False
    manifest = getattr(package, "MANIFEST", None)
    return bool(manifest and manifest.optional)


def resolve_order(
    enabled: list[str], manifests: dict[str, Manifest]
) -> list[str]:
    """Return the enabled plugins with every dependency before its dependents."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in visiting:
            raise PluginLoadError(name, "circular dependency " + " -> ".join(chain))
        if name not in manifests:
            raise PluginLoadError(chain[0], f"depends on unknown plugin {name!r}")
        visiting.add(name)
        for dep in manifests[name].depends:
            visit(dep, (*chain, dep))
        visiting.discard(name)
        order.append(name)

    for name in enabled:
        visit(name, (name,))
    return order


def build_plugin_manager(company: str, extra_plugins: dict[str, str] | None = None):
    """Create the manager for one app; return (pm, profile, plugin order)."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)

    from core import builtins

    pm.register(builtins, name="core.builtins")
    company_module = importlib.import_module(f"companies.{company}")
    profile = company_module.PROFILE

    paths = {**available_plugins(), **(extra_plugins or {})}
    loaded: dict[str, tuple[ModuleType, Manifest]] = {}
    pending = list(profile.plugins)
    while pending:
        name = pending.pop(0)
        if name in loaded:
            continue
        if name not in paths:
            raise PluginLoadError(name, "not installed")
        try:
            loaded[name] = _import_plugin(name, paths[name])
        except Exception as exc:
            if _is_optional(paths[name]):
                log.warning("optional plugin %s skipped: %s", name, exc)
                continue
            if isinstance(exc, PluginLoadError):
                raise
            raise PluginLoadError(name, repr(exc)) from exc
        pending.extend(loaded[name][1].depends)

    manifests = {name: manifest for name, (_, manifest) in loaded.items()}
    enabled = [name for name in profile.plugins if name in manifests]
    order = resolve_order(enabled, manifests)
    for name in order:
        pm.register(loaded[name][0], name=name)
    pm.register(company_module, name=f"companies.{company}")
    pm.check_pending()
    return pm, profile, order, manifests


def call_in_order(pm: pluggy.PluginManager, hook_name: str, **kwargs) -> list:
    """Call a hook's implementations in registration (startup) order."""
    results = []
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        result = impl.function(**{k: kwargs[k] for k in impl.argnames})
        if result is not None:
            results.append(result)
    return results
