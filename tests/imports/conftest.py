"""Helpers for import tests: files are written by the tests themselves into tmp_path."""

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(
        text: str, *, name: str = "leads.csv", encoding: str = "utf-8", bom: bool = False
    ) -> Path:
        path = tmp_path / name
        data = text.encode(encoding)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[list[object]], *, name: str = "leads.xlsx") -> Path:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        path = tmp_path / name
        workbook.save(path)
        return path

    return write
