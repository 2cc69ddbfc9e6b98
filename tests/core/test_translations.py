"""Our pt_BR catalogue is compiled and overrides FAB's stale strings."""

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core.settings import PROJECT_DIR

FOLDER = PROJECT_DIR / "core" / "translations" / "pt_BR" / "LC_MESSAGES"


def test_compiled_catalogue_matches_the_po_file():
    with (FOLDER / "messages.po").open("rb") as po, (FOLDER / "messages.mo").open(
        "rb"
    ) as mo:
        source, compiled = read_po(po), read_mo(mo)
    expected = {m.id: m.string for m in source if m.id}
    assert {m.id: m.string for m in compiled if m.id} == expected
    assert expected["Sign In"] == "Entrar"
    assert expected["Delete"] == "Excluir"


def test_list_buttons_speak_portuguese(admin_client):
    page = admin_client.get("/propertyview/list/").get_data(as_text=True)
    assert "Incluir novo registro" in page
    assert "Add a new record" not in page
