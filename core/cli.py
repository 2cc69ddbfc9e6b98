"""The ``flask sanea`` commands."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("sanea")
def sanea_group():
    """Comandos do Sanea."""


@sanea_group.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the schema, then load reference data and roles."""
    from core.setup import initialize

    for line in initialize(current_app):
        click.echo(line)


@sanea_group.command("plugins")
@with_appcontext
def plugins_command():
    """List the loaded plugins, their versions, use cases and hooks."""
    from core.introspect import describe_plugins

    for line in describe_plugins(current_app):
        click.echo(line)


@sanea_group.command("create-admin")
@click.option("--username", default="admin")
@click.option("--password", default=None, help="Gerada quando omitida.")
@click.option("--remember", is_flag=True,
              help="Guarda a senha gerada em instance/ e a mostra a cada execução.")
@with_appcontext
def create_admin_command(username, password, remember):
    """Create the administrator (idempotent); print its password when known."""
    from core.settings import INSTANCE_DIR
    from core.setup import ensure_admin

    created, password = ensure_admin(current_app, username, password)
    saved = INSTANCE_DIR / "admin_password"
    if created and remember:
        saved.write_text(password)
        saved.chmod(0o600)
    if not created and remember and saved.exists():
        password = saved.read_text().strip()
    if password:
        click.echo(f"Administrador: {username}  senha: {password}")
    else:
        click.echo(f"Administrador {username} já existe.")


@sanea_group.command("prepare-demo")
@click.option("--properties", default=2000, show_default=True, type=int)
@with_appcontext
def prepare_demo_command(properties):
    """Import the GSAN export (or the built-in skeleton) and lay demo properties."""
    from core.demo import DemoError, prepare_demo

    try:
        lines = prepare_demo(current_app, properties=properties)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in lines:
        click.echo(line)


@sanea_group.command("worker")
@click.option("--burst", is_flag=True, help="Termina quando a fila esvaziar.")
@click.option("--simple", is_flag=True, help="Executa sem fork (um processo).")
@with_appcontext
def worker_command(burst, simple):
    """Run an RQ worker whose jobs get an application context."""
    from core import worker
    from core.toolkits.jobs import QUEUE_NAME

    queue = current_app.extensions.get("sanea.queue")
    if queue is None:
        raise click.ClickException("SANEA_REDIS_URL não configurado: rotinas rodam "
                                   "no próprio processo, sem worker.")
    worker.set_app(current_app._get_current_object())
    cls = worker.AppSimpleWorker if simple else worker.AppWorker
    cls([QUEUE_NAME], connection=queue.connection).work(burst=burst)


@sanea_group.command("catalogue")
@click.option("--json", "as_json", is_flag=True, help="Saída JSON.")
@click.option("--verify", is_flag=True, help="Roda os testes marcados.")
@click.option("--only", multiple=True, metavar="UC",
              help="Só estes casos de uso (repetível ou separados por vírgula), "
                   "ex.: --only UC2099,UC2100.")
@with_appcontext
def catalogue_command(as_json, verify, only):
    """List each use case with its plugin, companies and marked tests."""
    from core.catalogue import build_catalogue, render_text

    try:
        entries = build_catalogue(verify=verify, only=only)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if as_json:
        json.dump(entries, sys.stdout, ensure_ascii=False, indent=2)
        click.echo()
    else:
        click.echo(render_text(entries))


@sanea_group.command("import-gsan")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--wait", default=900, show_default=True, type=float,
              help="Segundos de espera quando a rotina roda num worker RQ.")
@with_appcontext
def import_gsan_command(directory, wait):
    """Import GSAN tables exported as CSV (one file per table) as a job."""
    from pathlib import Path

    from core.gsan_import.job import JOB_NAME, run_lines, wait_for_run
    from core.toolkits.jobs import start_job

    run_id = start_job(JOB_NAME, {"directory": str(Path(directory).resolve())})
    run = wait_for_run(run_id, wait)
    for line in run_lines(run):
        click.echo(line)
    if run.status != "done":
        sys.exit(1)


@sanea_group.command("demo")
@click.option("--properties", required=True, type=click.IntRange(min=1),
              help="Quantos imóveis de demonstração criar.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--export", "export_dir", default=None, type=click.Path(file_okay=False),
              help="Exportação do GSAN cujo resumo dá as proporções.")
@with_appcontext
def demo_command(properties, seed, export_dir):
    """Lay N synthetic properties over the imported skeleton (adds N each run)."""
    from core.demo import DemoError, lay_demo_command

    try:
        lines = lay_demo_command(properties, seed=seed, export_dir=export_dir)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in lines:
        click.echo(line)


@sanea_group.group("api-token")
def api_token_group():
    """Issue and revoke partner API tokens."""


@api_token_group.command("issue")
@click.option("--partner", "partner_name", required=True, help="Nome do parceiro.")
@click.option("--scope", "scopes", multiple=True, required=True,
              help="Escopo (repita a opção); família:* concede a família.")
@click.option("--label", default=None, help="Para que serve o token.")
@click.option("--create-partner", is_flag=True, help="Cria o parceiro (BOT) se faltar.")
@with_appcontext
def api_token_issue_command(partner_name, scopes, label, create_partner):
    """Issue a token and print it once; only its hash is stored."""
    from sqlalchemy import select

    from core.extensions import db
    from core.toolkits.api_models import Partner, TokenRequestError, issue_token

    db.session.info["actor"] = "cli"
    partner = db.session.scalar(select(Partner).filter_by(name=partner_name))
    if partner is None and create_partner:
        partner = Partner(name=partner_name, kind="BOT", channel="BOT", active=True)
        db.session.add(partner)
        db.session.flush()
    if partner is None:
        raise click.ClickException(f"Parceiro não encontrado: {partner_name}.")
    try:
        issued = issue_token(
            db.session, partner, scopes, label=label, created_by="cli",
            known_scopes=current_app.extensions["sanea.api"].known_scopes(),
            env=current_app.config["SANEA_API_TOKEN_ENV"])
    except TokenRequestError as exc:
        db.session.rollback()
        raise click.ClickException(" ".join(exc.errors)) from exc
    click.echo(issued.token)


@api_token_group.command("revoke")
@click.argument("prefix")
@with_appcontext
def api_token_revoke_command(prefix):
    """Revoke the token with this prefix."""
    from sqlalchemy import select

    from core.extensions import db
    from core.toolkits.api_models import PartnerToken, revoke_token

    db.session.info["actor"] = "cli"
    record = db.session.scalar(select(PartnerToken).filter_by(prefix=prefix))
    if record is None:
        raise click.ClickException(f"Token não encontrado: {prefix}.")
    if revoke_token(db.session, record):
        click.echo(f"Token {prefix} revogado.")
    else:
        click.echo(f"Token {prefix} já estava revogado.")


@sanea_group.command("bill-group")
@click.option("--group", "group_id", required=True, type=int,
              help="Grupo de faturamento (id).")
@click.option("--month", required=True, type=int, help="Referência AAAAMM.")
@click.option("--consumption-only", is_flag=True,
              help="Só consiste leituras e calcula consumos, sem gerar contas.")
@click.option("--wait", default=3600, show_default=True, type=float,
              help="Segundos de espera quando as rotas rodam em workers RQ.")
@with_appcontext
def bill_group_command(group_id, month, consumption_only, wait):
    """Bill a group for a month (or only decide its consumption), route by route."""
    from core.billing.errors import BillingError
    from core.billing.jobs import BILL_GROUP, COMPUTE_CONSUMPTION, run_lines
    from core.gsan_import.job import wait_for_run
    from core.toolkits.jobs import start_job

    name = COMPUTE_CONSUMPTION if consumption_only else BILL_GROUP
    try:
        run_id = start_job(name, {"group_id": group_id, "reference_month": month})
    except BillingError as exc:
        raise click.ClickException("\n".join(exc.errors)) from exc
    run = wait_for_run(run_id, wait)
    for line in run_lines(run):
        click.echo(line)
    if run.status != "done":
        sys.exit(1)


@sanea_group.command("run-job")
@click.argument("name", required=False)
@click.option("--param", "params", multiple=True, metavar="CHAVE=VALOR",
              help="Parâmetro da rotina (repetível), "
                   "ex.: --param reference_month=202503.")
@click.option("--wait", default=3600, show_default=True, type=float,
              help="Segundos de espera quando a rotina roda em workers RQ.")
@with_appcontext
def run_job_command(name, params, wait):
    """Run any registered job (for cron); without NAME, list the jobs."""
    from core.gsan_import.job import wait_for_run
    from core.toolkits.jobs import JobError, describe_run, registry, start_job

    jobs = registry()
    if not name:
        for job_name in sorted(jobs):
            job = jobs[job_name]
            wanted = ", ".join(job.params_help) if job.params_help else "sem parâmetros"
            click.echo(f"{job_name}  —  {job.title} ({wanted})")
        return
    if name not in jobs:
        raise click.UsageError(
            f"Rotina desconhecida: {name}. Veja a lista com 'flask sanea run-job'.")
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"Parâmetro {item!r}: use CHAVE=VALOR.")
        if key.strip() in values:
            raise click.UsageError(f"Parâmetro {key.strip()} informado duas vezes.")
        values[key.strip()] = value.strip()
    known = jobs[name].params_help
    unknown = sorted(set(values) - set(known))
    if known and unknown:
        raise click.UsageError(
            f"Parâmetro(s) desconhecido(s) de {name}: {', '.join(unknown)}. "
            f"Aceitos: {', '.join(known)}.")
    try:
        run_id = start_job(name, values, user="cli")
    except (JobError, ValueError, TypeError) as exc:
        errors = getattr(exc, "errors", None) or [f"Parâmetros inválidos: {exc}"]
        raise click.ClickException("\n".join(errors)) from exc
    run = wait_for_run(run_id, wait)
    for line in describe_run(run):
        click.echo(line)
    if run.status != "done":
        sys.exit(1)
