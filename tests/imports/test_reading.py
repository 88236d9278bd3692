"""Reading CSV and XLSX files: kinds, encodings, delimiters, and the files that are refused."""

from collections.abc import Callable
from pathlib import Path

import pytest

from leadflow.imports.reading import NOT_CSV_OR_XLSX, ImportFileError, Table, open_table

LIMIT = 10 * 1024 * 1024
WriteCsv = Callable[..., Path]


def read(path: Path, *, max_bytes: int = LIMIT) -> tuple[Table, list[tuple[int, list[str], str]]]:
    table = open_table(path, max_bytes=max_bytes)
    return table, [(row.number, row.values, row.problem) for row in table.rows()]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(write_csv: WriteCsv, delimiter: str) -> None:
    text = delimiter.join(["Email", "Company", "Note"]) + "\n"
    text += delimiter.join(["ada@example.com", "Acme, Inc.", "x"]).replace(
        "Acme, Inc.", '"Acme, Inc."'
    )
    table, rows = read(write_csv(text + "\n"))
    assert table.delimiter == delimiter
    assert table.header == ["Email", "Company", "Note"]
    assert rows == [(2, ["ada@example.com", "Acme, Inc.", "x"], "")]


@pytest.mark.parametrize("bom", [False, True])
def test_utf8_with_or_without_bom(write_csv: WriteCsv, bom: bool) -> None:
    table, rows = read(write_csv("Name,City\nJosé Müller,Zürich €\n", bom=bom))
    assert table.encoding == "utf-8-sig"
    assert table.header == ["Name", "City"]
    assert rows[0][1] == ["José Müller", "Zürich €"]


def test_windows_1252_with_euro_and_smart_quotes(write_csv: WriteCsv) -> None:
    text = "Name,Note\nRenée Müller,\u201cbudget\u201d 5\u20ac \u2019ok\u2019\n"
    table, rows = read(write_csv(text, encoding="cp1252"))
    assert table.encoding == "cp1252"
    assert rows[0][1] == ["Renée Müller", "\u201cbudget\u201d 5\u20ac \u2019ok\u2019"]


def test_latin1_bytes_that_windows_1252_does_not_define(write_csv: WriteCsv) -> None:
    path = write_csv("Name,Note\nJosé,x\n", encoding="latin-1")
    path.write_bytes(path.read_bytes().replace(b"x", b"\x81\xfc"))
    table, rows = read(path)
    assert table.encoding == "latin-1"
    assert rows[0][1] == ["José", "\x81ü"]


def test_xlsx_cells_come_as_text(write_xlsx: Callable[..., Path]) -> None:
    path = write_xlsx(
        [
            ["Email", "Phone", "timeframe_months"],
            ["ada@example.com", 4155550100, 6],
            [None],
            ["b@x.io", "", 2.5],
        ]
    )
    table, rows = read(path)
    assert table.kind == "xlsx"
    assert table.header == ["Email", "Phone", "timeframe_months"]
    assert table.total_rows == 2
    assert rows == [
        (2, ["ada@example.com", "4155550100", "6"], ""),
        (4, ["b@x.io", "", "2.5"], ""),
    ]


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an old Office (XLS/DOC) file"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "a Windows program"),
    ],
)
def test_binary_renamed_csv_is_refused(tmp_path: Path, content: bytes, what: str) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=NOT_CSV_OR_XLSX) as error:
        open_table(path, max_bytes=LIMIT)
    assert what in str(error.value)


def test_xlsx_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    path.write_bytes(b"\x01\x02garbage\x00\x00 that is no workbook")
    with pytest.raises(ImportFileError, match=NOT_CSV_OR_XLSX):
        open_table(path, max_bytes=LIMIT)


def test_zip_without_workbook_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "leads.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFileError, match="ZIP archive that is not a workbook"):
        open_table(path, max_bytes=LIMIT)


def test_empty_file_is_refused(write_csv: WriteCsv) -> None:
    with pytest.raises(ImportFileError, match="the file is empty"):
        open_table(write_csv(""), max_bytes=LIMIT)


def test_header_only_is_refused(write_csv: WriteCsv) -> None:
    with pytest.raises(ImportFileError, match="a header row but no data rows"):
        open_table(write_csv("Email,Company\n\n,\n"), max_bytes=LIMIT)


def test_file_over_the_size_limit_is_refused(write_csv: WriteCsv) -> None:
    path = write_csv("Email\n" + "ada@example.com\n" * 100)
    with pytest.raises(ImportFileError, match=r"the file is 1.6 KB, over the import limit of 1 KB"):
        open_table(path, max_bytes=1024)


def test_truncated_last_row_is_a_rejected_row_not_a_lead(write_csv: WriteCsv) -> None:
    _, rows = read(write_csv('Email,Note\nada@example.com,ok\nbob@example.com,"cut in the mid'))
    assert rows[0] == (2, ["ada@example.com", "ok"], "")
    assert rows[1][0] == 3
    assert "ends inside a quoted value" in rows[1][2]


def test_stray_quote_rejects_only_its_row(write_csv: WriteCsv) -> None:
    _, rows = read(write_csv('Email,Note\na@example.com,"x"y\nb@example.com,fine\n'))
    assert rows[0][0] == 2
    assert "malformed CSV row" in rows[0][2]
    assert rows[1] == (3, ["b@example.com", "fine"], "")


def test_ragged_rows_are_given_as_they_are(write_csv: WriteCsv) -> None:
    table, rows = read(write_csv("Email,Company,Note\na@example.com\nb@example.com,B,n,extra\n"))
    assert table.total_rows == 2
    assert rows == [(2, ["a@example.com"], ""), (3, ["b@example.com", "B", "n", "extra"], "")]


def test_row_numbers_count_blank_rows_and_multiline_values(write_csv: WriteCsv) -> None:
    _, rows = read(write_csv('Email,Note\n\na@example.com,"two\nlines"\nb@example.com,x\n'))
    assert [row[0] for row in rows] == [3, 4]


def test_rows_resume_after_skip(write_csv: WriteCsv) -> None:
    table = open_table(write_csv("Email\na@x.io\nb@x.io\nc@x.io\n"), max_bytes=LIMIT)
    assert [row.values for row in table.rows(skip=2)] == [["c@x.io"]]


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        open_table(tmp_path / "missing.csv", max_bytes=LIMIT)


# --- encodings and odd bytes (issue 12, item 9) -------------------------------------------------

UTF8_PEOPLE = "First Name,Last Name,Email\n" + "".join(
    f"Jürgen,Müller,jm{i}@example.com\n" for i in range(5)
)


def test_utf8_file_with_one_latin1_row_rejects_that_row_and_keeps_the_others_intact(
    write_csv: WriteCsv,
) -> None:
    path = write_csv(UTF8_PEOPLE)
    path.write_bytes(path.read_bytes() + "Renée,Weiß,rw@example.com\n".encode("latin-1"))
    table, rows = read(path)
    assert table.encoding == "utf-8-sig"
    assert table.total_rows == 6
    assert [values for _, values, problem in rows if not problem] == [
        ["Jürgen", "Müller", f"jm{i}@example.com"] for i in range(5)
    ]
    number, values, problem = rows[5]
    assert number == 7
    assert problem == (
        "bytes that are not valid UTF-8 (0xE9 in column 1, First Name; 0xDF in column 2, "
        "Last Name): this row is in another encoding than the rest of the file"
    )
    assert values == ["Ren\ufffde", "Wei\ufffd", "rw@example.com"]  # storable, for the errors CSV


def test_utf8_with_bom_and_a_bad_row_is_still_utf8(write_csv: WriteCsv) -> None:
    path = write_csv(UTF8_PEOPLE, bom=True)
    path.write_bytes(path.read_bytes() + b"Bad,M\xfcller,bad@example.com\n")
    table, rows = read(path)
    assert table.encoding == "utf-8-sig"
    assert table.header == ["First Name", "Last Name", "Email"]
    assert rows[0][1] == ["Jürgen", "Müller", "jm0@example.com"]
    assert "0xFC in column 2, Last Name" in rows[5][2]


def test_one_valid_and_one_invalid_character_is_utf8_a_rejection_beats_silent_mojibake(
    write_csv: WriteCsv,
) -> None:
    path = write_csv("Name\nJürgen\n")
    path.write_bytes(path.read_bytes() + b"M\xfcller\n")
    table, rows = read(path)
    assert table.encoding == "utf-8-sig"
    assert rows[0] == (2, ["Jürgen"], "")
    assert rows[1][2].startswith("bytes that are not valid UTF-8 (0xFC in column 1, Name)")


def test_windows_1252_file_with_an_accidental_utf8_pair_is_windows_1252(
    write_csv: WriteCsv,
) -> None:
    # "É®" is C9 AE, a valid UTF-8 sequence by accident; the other accented letters are not.
    text = "Name,Company\nRenée Müller,CAFÉ® Zürich\nJosé Peña,Crème brûlée SA\n"
    table, rows = read(write_csv(text, encoding="cp1252"))
    assert table.encoding == "cp1252"
    assert [values for _, values, _ in rows] == [
        ["Renée Müller", "CAFÉ® Zürich"],
        ["José Peña", "Crème brûlée SA"],
    ]
    assert all(problem == "" for _, _, problem in rows)


def test_encoding_is_found_across_chunk_boundaries(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("leadflow.imports.reading._CHUNK_BYTES", 7)  # splits many "ü"s
    table, rows = read(write_csv(UTF8_PEOPLE))
    assert table.encoding == "utf-8-sig"
    assert all(problem == "" for _, _, problem in rows)


def test_nul_in_a_field_rejects_the_row_naming_the_column(write_csv: WriteCsv) -> None:
    table, rows = read(write_csv("Email,Company\na@example.com,Ac\x00me\nb@example.com,Fine\n"))
    assert table.total_rows == 2
    assert rows[0] == (
        2,
        ["a@example.com", "Ac\ufffdme"],
        "a NUL character (byte 0x00) in column 2, Company: it cannot be stored",
    )
    assert rows[1] == (3, ["b@example.com", "Fine"], "")


def test_utf16_text_is_still_refused_as_binary(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("Email,Company\na@example.com,Acme\n".encode("utf-16"))
    with pytest.raises(ImportFileError, match=f"{NOT_CSV_OR_XLSX}: it is binary data"):
        open_table(path, max_bytes=LIMIT)
