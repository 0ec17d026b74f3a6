"""Text encodings are detected from the bytes: BOMs, UTF-16 without one, UTF-8, and the Windows
code pages Russian, Polish and Western European sheets are saved in."""

from __future__ import annotations

import pytest

from cxbridge.tabular.encoding import SAMPLE_BYTES, detect_encoding

RUSSIAN = "Дата;Магазин;Оценка;Комментарий\n01.02.2024;Москва;9;Очень доволен обслуживанием\n"
POLISH = "Data;Sklep;Ocena;Komentarz\n01.02.2024;Łódź;9;Bardzo zadowolony, miła obsługa\n"
POLISH_FEW_MARKS = "Sklep,Ocena\nKraków,Zadowolony\nPoznań,Bardzo zadowolona\n"
FRENCH = "Date;Magasin;Commentaire\n01/02/2024;Orléans;Très satisfait, à bientôt\n"
SPANISH = "Fecha,Tienda,Comentario\n1/2/2024,Logroño,¿Muy satisfecho? Sí, atención rápida\n"
GERMAN = "Datum;Filiale;Kommentar\n01.02.2024;München;Sehr zufrieden, schöne Grüße\n"
DANISH_SHORT = "Date,Store,Recommend?\n2024-01-01,Café Zürich,9\n2024-01-02,Ærø,8\n"
CZECH = "Datum;Pobočka;Komentář\n01.02.2024;Brno;Příliš žluťoučký kůň, děkuji\n"


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
