"""Declare every deployment setting in one typed place, each with its help text.

Settings come from environment variables; business parameters of a utility
(tariffs, deadlines, penalties) are never settings: they are typed rows in
the database, seeded from the company profile.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("SANEA_INSTANCE_DIR", PROJECT_DIR / "instance"))


def _setting(default, help_text: str):
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Settings:
    """The deployment's settings, read once from the environment."""

    company: str = _setting(
        "caern", "Perfil da companhia atendida por esta instalação (companies/<slug>)."
    )
    database_url: str = _setting(
        "", "URL SQLAlchemy do banco; vazio usa o SQLite em instance/sanea.db."
    )
    redis_url: str = _setting(
        "", "URL do Redis das filas RQ; vazio executa as rotinas no próprio processo."
    )
    secret_key: str = _setting(
        "", "Chave secreta da aplicação (32 bytes ou mais); gerada em instance/."
    )
    storage_dir: str = _setting(
        "", "Pasta de arquivos (fotos, retornos); vazio usa instance/storage."
    )
    smtp_url: str = _setting(
        "", "smtp://usuario:senha@host:porta; vazio grava as mensagens em instance/."
    )
    gsan_export: str = _setting(
        "", "Pasta com tabelas do GSAN em CSV importadas por make run."
    )
    fixed_today: str = _setting(
        "", "Data fixa (AAAA-MM-DD) do relógio da aplicação, para testes e ensaios."
    )

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        """Read each setting from SANEA_<NAME> in the environment."""
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            key = "SANEA_" + f.name.upper()
            if key in env:
                values[f.name] = env[key]
        return cls(**values)

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to SQLite under instance/."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{INSTANCE_DIR / 'sanea.db'}"

    def resolved_storage_dir(self) -> Path:
        """Return the storage folder, defaulting to instance/storage."""
        return Path(self.storage_dir) if self.storage_dir else INSTANCE_DIR / "storage"

    def resolved_secret_key(self) -> str:
        """Return the secret key, generating one into instance/ on first use."""
        if self.secret_key:
            if len(self.secret_key.encode()) < 32:
                raise ValueError("SANEA_SECRET_KEY precisa ter ao menos 32 bytes.")
            return self.secret_key
        path = INSTANCE_DIR / "secret_key"
        if not path.exists():
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


def describe() -> list[tuple[str, str, str]]:
    """Return (variable, default, help) for every setting, for docs and --help."""
    return [
        ("SANEA_" + f.name.upper(), str(f.default), f.metadata["help"])
        for f in fields(Settings)
    ]
