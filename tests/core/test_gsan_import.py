"""Import a GSAN utility: reference tables by description, then the skeleton."""

import shutil
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.domain import cadastre as c
from core.domain import reference as r
from core.extensions import db
from core.gsan_import import GsanImportError, import_gsan
from core.gsan_import.naming import normalize, slug, unique_code
from core.params import set_parameter
from core.toolkits.jobs import JobRun
from tests.conftest import REDIS_URL, need_service, shared_dir

SKELETON_TABLES = {
    c.Municipality: 16, c.Locality: 25, c.Sector: 70, c.Block: 6532, c.Route: 509,
    c.BillingGroup: 40,
}


def export_2008():
    return shared_dir() / "reference" / "gsan-2008"


def run_import(app, directory):
    result = app.test_cli_runner().invoke(args=["sanea", "import-gsan", str(directory)])
    db.session.expire_all()
    return result


def count(model, imported_only=False):
    query = select(func.count()).select_from(model)
    if imported_only:
        query = query.where(model.gsan_id.is_not(None))
    return db.session.scalar(query)


def rows_of(query):
    return db.session.execute(query).all()


def by_code(model, code):
    return db.session.scalar(select(model).where(model.code == code))


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_import_gsan_loads_the_2008_skeleton(app):
    result = run_import(app, export_2008())

    assert result.exit_code == 0, result.output
    assert {model: count(model) for model in SKELETON_TABLES} == SKELETON_TABLES
    assert count(r.ReadingAnomaly, imported_only=True) == 54
    assert count(r.DebitType, imported_only=True) == 158
    assert count(r.RequestSpecification, imported_only=True) == 265
    assert "  quadra: 6532 adicionada(s), 0 inalterada(s), 0 não mapeada(s)" in (
        result.output)
    run = db.session.scalars(select(JobRun)).one()
    assert (run.name, run.status) == ("core.import_gsan", "done")
    assert run.counts()["quadra.added"] == 6532
    assert run.counts()["leitura_anormalidade.linked"] == 47


def test_import_gsan_second_run_changes_nothing(app):
    run_import(app, export_2008())
    before = {model: count(model) for model in SKELETON_TABLES}

    result = run_import(app, export_2008())

    assert result.exit_code == 0, result.output
    assert {model: count(model) for model in SKELETON_TABLES} == before
    assert count(r.ReadingAnomaly) == count(r.ReadingAnomaly, imported_only=True) + 1
    assert "Nada a importar: o banco já tem todas as linhas da exportação." in (
        result.output)
    assert "  quadra: 0 adicionada(s), 6532 inalterada(s), 0 não mapeada(s)" in (
        result.output)
    second = db.session.scalars(select(JobRun).order_by(JobRun.id.desc())).first()
    added = {k: n for k, n in second.counts().items() if k.endswith(".added")}
    assert set(added.values()) == {0}


def test_import_gsan_refuses_a_broken_row_and_imports_nothing(app, tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(export_2008(), folder)
    lines = (folder / "quadra.csv").read_text().splitlines()
    fields = lines[122].split(",")
    fields[2] = "x"
    lines[122] = ",".join(fields)
    (folder / "quadra.csv").write_text("\n".join(lines) + "\n")

    result = run_import(app, folder)

    assert result.exit_code == 1
    assert ("quadra.csv, linha 123, coluna qdra_nnquadra: valor 'x' não é um "
            "número inteiro") in result.output
    assert "Importação recusada: 1 erro(s) na exportação; nada foi importado." in (
        result.output)
    assert {model: count(model) for model in SKELETON_TABLES} == dict.fromkeys(
        SKELETON_TABLES, 0)
    for model in (r.ReadingAnomaly, r.WaterSituation, r.Category, r.DebitType):
        assert count(model, imported_only=True) == 0
    run = db.session.scalars(select(JobRun)).one()
    assert run.status == "failed"


def test_import_gsan_maps_codes_by_description(app):
    run_import(app, export_2008())

    assert by_code(r.WaterSituation, "connected").gsan_id == 3
    assert by_code(r.WaterSituation, "cut").gsan_id == 5
    assert by_code(r.WaterSituation, "partially_suppressed_on_request").gsan_id == 8
    assert by_code(r.SewerSituation, "out_of_use").gsan_id == 5
    assert by_code(r.Category, "public").gsan_id == 4
    assert by_code(r.ReadingAnomaly, "closed_property").gsan_id == 10
    stopped = by_code(r.ReadingAnomaly, "meter_stopped")
    duplicate = by_code(r.ReadingAnomaly, "meter_stopped_12")
    assert (stopped.gsan_id, duplicate.gsan_id) == (30, 12)
    assert duplicate.rule_without_reading == "average"
    assert duplicate.needs_review is False
    assert duplicate.active is False  # ltan_icuso = 2
    subcategory = by_code(r.Subcategory, "residencial_moradia")
    assert (subcategory.gsan_id, subcategory.category.code) == (50, "residential")
    # in-use rows claim a description's code first, the others get their id
    assert by_code(r.MeterDiameter, "mais_de_75_mm").gsan_id == 99
    assert by_code(r.MeterDiameter, "mais_de_75_mm_9").gsan_id == 9
    # a code some plugin ships takes its GSAN row by label; others are created
    down_payment = db.session.scalar(select(r.DebitType).where(
        r.DebitType.gsan_id == 33))
    assert normalize(down_payment.label) == "ENTRADA DE PARCELAMENTO"
    certificate = by_code(r.DebitType, "declaracao_nada_consta")
    assert (certificate.gsan_id, certificate.limit_value) == (3620, Decimal("99999.99"))


def test_import_gsan_lists_closed_rows_not_mapped(app):
    result = run_import(app, export_2008())

    assert "Não mapeadas (3):" in result.output
    assert ("ligacao_agua_situacao id 0 'CONVERSAO' (fora de uso no GSAN): nenhum "
            "código do Sanea corresponde a esta descrição; não importada") in (
        result.output)
    assert "ligacao_esgoto_situacao id 9 'COMVERSAO'" in result.output
    assert db.session.scalar(select(r.WaterSituation).where(
        r.WaterSituation.gsan_id == 0)) is None
    run = db.session.scalars(select(JobRun)).one()
    refs = {e["ref"] for e in run.errors()}
    assert "not_mapped:ligacao_esgoto_situacao:0" in refs
    assert run.counts()["ligacao_esgoto_situacao.not_mapped"] == 2


def test_import_gsan_flags_unknown_anomalies_for_review(app):
    result = run_import(app, export_2008())

    assert "Para revisar (6):" in result.output
    unknown = by_code(r.ReadingAnomaly, "nao_usado")
    assert (unknown.gsan_id, unknown.label) == (24, "NAO USADO")
    assert (unknown.rule_with_reading, unknown.rule_without_reading) == (
        "average", "average")
    assert unknown.needs_review is True
    assert by_code(r.ReadingAnomaly, "conversao_88").needs_review is True
    assert db.session.scalar(select(func.count()).select_from(r.ReadingAnomaly).where(
        r.ReadingAnomaly.needs_review)) == 6


def test_import_gsan_gives_specifications_the_default_deadline(app):
    set_parameter("core", "default_request_deadline_days", 20)
    db.session.commit()

    result = run_import(app, export_2008())

    specs = db.session.scalars(select(r.RequestSpecification)).all()
    assert len(specs) == 265
    assert {(s.deadline_days, s.deadline_defaulted) for s in specs} == {(20, True)}
    assert {s.request_type.code for s in specs} == {"gsan_unclassified"}
    assert "265 especificação(ões) sem prazo receberam o prazo padrão de 20" in (
        result.output)


def test_import_gsan_block_networks_and_places(app):
    run_import(app, export_2008())

    networks = db.session.execute(select(
        func.sum(func.cast(c.Block.has_water_network, db.Integer)),
        func.sum(func.cast(c.Block.has_sewer_network, db.Integer)))).one()
    assert tuple(networks) == (6532 - 165, 6307)
    boa_vista = db.session.scalar(select(c.Locality).where(c.Locality.code == 1))
    assert (boa_vista.gsan_id, boa_vista.municipality.name) == (1, "BOA VISTA")
    assert boa_vista.regional_office.short_name == "RCP"
    assert {m.state for m in db.session.scalars(select(c.Municipality))} == {"RR"}
    group = db.session.scalar(
        select(c.BillingGroup).where(c.BillingGroup.gsan_id == 12))
    assert (group.description, group.reference_month, group.due_day) == (
        "GRUPO 12", 200711, 15)
    block = db.session.scalar(select(c.Block).where(c.Block.gsan_id == 4472))
    assert (block.number, block.sector.gsan_id, block.route.gsan_id) == (99, 36, 427)


def test_import_gsan_reads_optional_gsan_columns(app, tmp_path):
    folder = tmp_path / "small"
    write(folder, "unidade_federacao.csv", "unfe_id,unfe_dsufsigla\n7,pb\n")
    write(folder, "municipio.csv", "muni_id;muni_nmmunicipio;unfe_id;muni_cdibge;"
          "muni_cdddd\n1;JOAO PESSOA;7;2507507;84\n2;NATAL;;;\n")
    write(folder, "solicitacao_tipo.csv", "sotp_id,sotp_dssolicitacaotipo\n5,AGUA\n")
    write(folder, "solicitacao_tipo_especificacao.csv",
          "step_id,step_dssolicitacaotipoespecificacao,sotp_id,step_nndiaprazo\n"
          "9,FALTA D'AGUA,5,2\n10,VAZAMENTO,5,\n")
    write(folder, "leitura_anormalidade.csv",
          "ltan_id,ltan_dsleituraanormalidade,lacs_idconsacobrarcomleit,"
          "lacs_idconsacobrarsemleit\n70,PORTAO TRANCADO,3,1\n")

    result = run_import(app, folder)

    assert result.exit_code == 0, result.output
    places = {m.name: (m.state, m.ibge_code) for m in db.session.scalars(
        select(c.Municipality))}
    assert places == {"JOAO PESSOA": ("PB", "2507507"), "NATAL": ("RN", None)}
    specs = {s.gsan_id: s for s in db.session.scalars(select(r.RequestSpecification))}
    assert (specs[9].deadline_days, specs[9].deadline_defaulted) == (2, False)
    assert (specs[10].deadline_days, specs[10].deadline_defaulted) == (15, True)
    assert specs[9].request_type.gsan_id == 5
    gate = by_code(r.ReadingAnomaly, "portao_trancado")
    assert (gate.rule_with_reading, gate.rule_without_reading) == (
        "measured", "minimum")
    assert gate.needs_review is False


def test_import_gsan_places_by_area_code_without_the_state_table(app, tmp_path):
    folder = tmp_path / "no_states"
    write(folder, "municipio.csv", "muni_id,muni_nmmunicipio,unfe_id,muni_cdddd\n"
          "1,CAMPINA GRANDE,15,83\n2,SEM DDD,15,\n")

    result = run_import(app, folder)

    assert result.exit_code == 0, result.output
    states = dict(rows_of(select(c.Municipality.name, c.Municipality.state)))
    assert states == {"CAMPINA GRANDE": "PB", "SEM DDD": "RN"}  # RN: the profile


def test_import_gsan_collects_every_problem(app, tmp_path):
    folder = tmp_path / "bad"
    write(folder, "localidade.csv", "loca_id,loca_nmlocalidade\n1,SEDE\n1,OUTRA\n"
          "2000,LONGE\n3\n")
    write(folder, "setor_comercial.csv", "stcm_id,loca_id,stcm_nmsetorcomercial\n"
          "1,9,CENTRO\n")

    result = run_import(app, folder)

    assert result.exit_code == 1
    assert "localidade.csv, linha 3, coluna loca_id: id 1 repetido (já na linha 2)" in (
        result.output)
    assert ("localidade.csv, linha 4, coluna loca_id: valor '2000' fora do intervalo "
            "0 a 999") in result.output
    assert "localidade.csv, linha 5: a linha tem 1 colunas; o cabeçalho tem 2" in (
        result.output)
    assert ("setor_comercial.csv, linha 1, coluna stcm_cdsetorcomercial: coluna "
            "obrigatória ausente") in result.output
    assert ("setor_comercial.csv, linha 2, coluna loca_id: valor '9' não corresponde "
            "a nenhuma linha de localidade.csv") in result.output
    assert count(c.Locality) == 0


def test_import_gsan_refuses_a_code_already_taken(app, tmp_path):
    db.session.add(c.Locality(code=1, name="CADASTRADA À MÃO"))
    db.session.commit()
    folder = tmp_path / "clash"
    write(folder, "municipio.csv", "muni_id,muni_nmmunicipio\n1,SEDE\n")
    write(folder, "localidade.csv", "loca_id,loca_nmlocalidade\n1,SEDE\n")

    with pytest.raises(GsanImportError) as refused:
        import_gsan(db.session, folder, state="RN", default_deadline_days=15)
    db.session.rollback()

    assert str(refused.value) == (
        "localidade.csv, linha 2, coluna loca_id: localidade 1 já existe no banco")
    assert count(c.Municipality) == 0
    assert count(c.Locality) == 1


def test_import_gsan_refuses_a_missing_folder(app, tmp_path):
    result = run_import(app, tmp_path / "nowhere")

    assert result.exit_code == 1
    assert f"{tmp_path / 'nowhere'}: pasta não encontrada" in result.output


@pytest.mark.redis
def test_import_gsan_runs_on_an_rq_worker(make_app):
    need_service(REDIS_URL, "SANEA_TEST_REDIS_URL")
    from core import worker
    from core.demo import SKELETON_DIR
    from core.gsan_import.job import run_lines, wait_for_run
    from core.toolkits.jobs import start_job

    app = make_app(redis_url=REDIS_URL)
    with app.app_context():
        queue = app.extensions["sanea.queue"]
        queue.empty()
        run_id = start_job("core.import_gsan", {"directory": str(SKELETON_DIR)})
        worker.set_app(app)
        worker.AppSimpleWorker([queue], connection=queue.connection).work(burst=True)
        run = wait_for_run(run_id, timeout=0)

        assert (run.mode, run.status) == ("rq", "done")
        assert "  quadra: 40 adicionada(s), 0 inalterada(s), 0 não mapeada(s)" in (
            run_lines(run))
        assert count(c.Block) == 40


def test_import_gsan_job_is_registered(app):
    job = app.extensions["sanea.jobs"]["core.import_gsan"]
    assert job.title == "Importar tabelas do GSAN"


def test_slug_and_unique_code_for_gsan_descriptions():
    taken = {"fae"}
    assert slug("INST.FILANT/RELIGIOSAS/CIVICAS") == "inst_filant_religiosas_civicas"
    assert slug("Ligação à rede") == "ligacao_a_rede"
    assert slug("> 75 mm") == "mais_de_75_mm"
    assert unique_code("fae", 14, taken) == "fae_14"
    assert unique_code("fae", 14, taken) == "fae_14_2"
    assert taken == {"fae", "fae_14", "fae_14_2"}


def test_read_table_handles_bom_crlf_semicolons_and_windows_1252(tmp_path):
    from core.gsan_import.reader import Problems, read_table

    utf8 = tmp_path / "setor_comercial.csv"
    utf8.write_bytes("\ufeffSTCM_ID;stcm_nmsetorcomercial\r\n"
                     "1;\"SÃO JOSÉ\r\nNORTE\"\r\n2;CENTRO;X\r\n".encode())
    latin = tmp_path / "bairro.csv"
    latin.write_bytes("bair_id,bair_nmbairro\n7,CALUNGÁ\n".encode("cp1252"))
    problems = Problems()

    sectors = read_table(utf8, ["stcm_id"], problems)
    districts = read_table(latin, ["bair_id"], problems)

    assert sectors.columns == ["stcm_id", "stcm_nmsetorcomercial"]
    assert [(row.line, row.raw("stcm_nmsetorcomercial")) for row in sectors.rows] == [
        (2, "SÃO JOSÉ\r\nNORTE")]  # the line where the record begins
    assert [str(p) for p in problems.items] == [
        "setor_comercial.csv, linha 4: a linha tem 3 colunas; o cabeçalho tem 2"]
    assert districts.rows[0].raw("bair_nmbairro") == "CALUNGÁ"


def test_read_table_reports_an_unclosed_quote_where_it_opens(tmp_path):
    from core.gsan_import.reader import Problems, read_table

    path = tmp_path / "localidade.csv"
    path.write_text('loca_id;loca_nmlocalidade\n1;SEDE\n2;"NATAL\n3;MOSSORO\n4;CAICO\n')
    problems = Problems()

    table = read_table(path, ["loca_id"], problems)

    assert [(row.line, row.raw("loca_id")) for row in table.rows] == [(2, "1")]
    assert [str(p) for p in problems.items] == [
        "localidade.csv, linha 3: aspas abertas e não fechadas até o fim do arquivo"]
