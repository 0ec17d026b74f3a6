"""Text encodings are detected from the bytes: BOMs, UTF-16 without one, UTF-8, and the Windows
code pages Russian, Polish and Western European sheets are saved in."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.tabular.encoding import SAMPLE_BYTES, detect_encoding
from tests.conftest import survey_row

RUSSIAN = "Дата;Магазин;Оценка;Комментарий\n01.02.2024;Москва;9;Очень доволен обслуживанием\n"
POLISH = "Data;Sklep;Ocena;Komentarz\n01.02.2024;Łódź;9;Bardzo zadowolony, miła obsługa\n"
POLISH_FEW_MARKS = "Sklep,Ocena\nKraków,Zadowolony\nPoznań,Bardzo zadowolona\n"
FRENCH = "Date;Magasin;Commentaire\n01/02/2024;Orléans;Très satisfait, à bientôt\n"
SPANISH = "Fecha,Tienda,Comentario\n1/2/2024,Logroño,¿Muy satisfecho? Sí, atención rápida\n"
GERMAN = "Datum;Filiale;Kommentar\n01.02.2024;München;Sehr zufrieden, schöne Grüße\n"
DANISH_SHORT = "Date,Store,Recommend?\n2024-01-01,Café Zürich,9\n2024-01-02,Ærø,8\n"
CZECH = "Datum;Pobočka;Komentář\n01.02.2024;Brno;Příliš žluťoučký kůň, děkuji\n"
PARIS = "id,store,nps\n1,Paris Opéra,9\n2,Paris Bastille,7\n"
MAC_FRENCH = "id,magasin,commentaire\n1,Orléans,Très bien, café génial\n2,Nîmes,Déçu par l'accueil\n"
UKRAINIAN = "Дата;Магазин;Коментар\n01.02.2024;Київ;Дуже задоволений, ґречне обслуговування\n"
BULGARIAN = "Дата;Магазин;Коментар\n01.02.2024;София;Много съм доволен от обслужването\n"
RUSSIAN_EUROS = "Магазин;Сумма\nМосква;€ 5,00\nКазань;€ 12,50\n"


def priced(header: str, stores: list[str], rows: int = 24) -> str:
    """A receipt export: a euro price on every row, and one accented store name among many."""
    lines = [f"{stores[i % len(stores)]};€ {i % 9 + 1},{i % 4 * 25:02d}" for i in range(rows)]
    return "\n".join([header, *lines]) + "\n"


TOWNS = ["Lyon", "Lille", "Nantes", "Metz", "Brest", "Nice", "Dijon", "Reims", "Tours", "Rouen", "Caen"]
FRENCH_EUROS = priced("magasin;montant", [*TOWNS, "Sète"])
GERMAN_EUROS = priced("Filiale;Betrag", [*TOWNS, "Köln"])
POLISH_EUROS = priced("Sklep;Kwota", [*TOWNS, "Łódź"])
EUROS_ONLY = priced("store;amount", ["Paris", "Berlin", "Madrid"])


@pytest.mark.parametrize(
    ("text", "written_as", "detected"),
    [
        (RUSSIAN, "cp1251", "cp1251"),
        (POLISH, "cp1250", "cp1250"),
        (POLISH_FEW_MARKS, "cp1250", "cp1250"),
        (FRENCH, "latin-1", "cp1252"),
        (SPANISH, "cp1252", "cp1252"),
        (GERMAN, "cp1252", "cp1252"),
        (DANISH_SHORT, "latin-1", "cp1252"),
        (CZECH, "cp1250", "cp1250"),
        (PARIS, "mac_roman", "mac_roman"),  # read as cp1252 before: Paris OpŽra
        (MAC_FRENCH, "mac_roman", "mac_roman"),  # read as cp1250 before: OrlŽans, TrŹs
        (GERMAN, "mac_roman", "mac_roman"),
        (PARIS, "cp1252", "cp1252"),
        (UKRAINIAN, "cp1251", "cp1251"),
        (BULGARIAN, "cp1251", "cp1251"),
        (RUSSIAN_EUROS, "cp1251", "cp1251"),  # the euro is 0x88 in cp1251
        # the euro is 0x80 in cp1252 and cp1250, cp1251's Ђ and Mac Roman's Ä: each price counted
        # as a word for those, so these were read as Mac Roman ('Ä 5,00', 'SËte', 'Kˆln', '£Ûdü' for
        # 'Łódź'), and before Mac Roman was guessed as cp1251 ('Ђ 5,00', 'Sиte', 'Kцln')
        (FRENCH_EUROS, "cp1252", "cp1252"),
        (GERMAN_EUROS, "cp1252", "cp1252"),
        (POLISH_EUROS, "cp1250", "cp1250"),
        (EUROS_ONLY, "cp1252", "cp1252"),
        (RUSSIAN, "utf-8", "utf-8"),
        (RUSSIAN, "utf-8-sig", "utf-8-sig"),
        (POLISH, "utf-16", "utf-16"),
        (POLISH, "utf-16-le", "utf-16-le"),
        (POLISH, "utf-16-be", "utf-16-be"),
    ],
)
def test_encoding_is_detected_and_decodes_the_text(tmp_path, text, written_as, detected):
    path = tmp_path / "sheet.csv"
    path.write_bytes(text.encode(written_as))
    found = detect_encoding(path)
    assert found.encoding == detected
    assert path.read_bytes().decode(found.encoding).lstrip("\ufeff") == text
    assert found.evidence


def test_ascii_file_is_utf8(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n", encoding="ascii")
    assert detect_encoding(path).encoding == "utf-8"


def test_the_first_non_ascii_bytes_decide_even_after_the_first_megabyte(tmp_path):
    path = tmp_path / "long.csv"
    ascii_part = ("id,comment\n" + "1,fine\n" * (SAMPLE_BYTES // 7 + 10)).encode()
    path.write_bytes(ascii_part + "2,Очень доволен обслуживанием\n".encode("cp1251"))
    assert detect_encoding(path).encoding == "cp1251"


def test_inspect_says_a_guessed_encoding_is_one_and_how_to_set_the_files_own(tmp_path):
    """A Mac Roman export read as cp1252 showed 'Paris OpŽra' and only `read with encoding
    'cp1252'`: nothing said it was a guess, nor how to name the file's own encoding."""
    (tmp_path / "visits.csv").write_bytes(PARIS.encode("cp1252"))
    shown = CliRunner().invoke(cli, ["inspect", str(tmp_path / "visits.csv")])
    assert shown.exit_code == 0, shown.output
    said = " ".join(shown.output.split())
    assert "note: encoding 'cp1252' is a guess from the letters it reads" in said, said
    assert "set the file's own, encoding = 'mac_roman' (or 'cp1250', 'cp1251', 'latin-1')" in said, said
    (tmp_path / "visits.csv").write_bytes(PARIS.encode("utf-8"))
    assert "is a guess" not in CliRunner().invoke(cli, ["inspect", str(tmp_path / "visits.csv")]).output


def test_a_source_set_to_mac_roman_reads_its_words(workspace):
    workspace.config.write_text(workspace.config.read_text().replace('path = "responses*.csv"',
                                                                      'path = "responses*.csv"\nencoding = "mac_roman"'))
    path = workspace.write_csv([survey_row(1)])
    path.write_bytes(path.read_text(encoding="utf-8").replace("comment 1", "Très bien café génial").encode("mac_roman"))
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    assert workspace.query("SELECT comment FROM feedback") == [("Très bien café génial",)]
