"""Names in every script render with the bundled fonts and no missing glyph, on any server."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from ivig_home.report.fetcher import STATIC_ROOT
from tests.answers import clean
from tests.pdf_tools import drawn_characters, fonts_of, render

NAMES = {
    "latin": "Zoë Ångström-Nuñez Łukasz Øre",
    "greek": "Αλέξανδρος Παπαδόπουλος",
    "cyrillic": "Анна Кузнецова-Щукина",
    "arabic": "فاطمة الزهراء بن علي",
    "hebrew": "נועה כהן-לוי",
    "chinese": "王秀英 张伟",
    "japanese": "山田 花子 ヤマダ ハナコ",
    "korean": "김민준 이서연",
}
# The @font-face families of static/css/pdf.css; only they may appear in the PDF.
BUNDLED = re.compile(r"Summary-(Sans|Arabic|Hebrew|CJK|Symbols)(-Bold)?")
BOX = {"\u2610"}  # ballot box: the issued copy's tick boxes (a reviewed copy draws its own)
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_each_script_renders_with_no_missing_glyph(
        script: str, caplog: pytest.LogCaptureFixture) -> None:
    name = NAMES[script]
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render(clean(patient_name=name))
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    fonts = fonts_of(pdf)
    assert all(BUNDLED.fullmatch(font.name) for font in fonts), [f.name for f in fonts]
    drawn = set().union(*drawn_characters(pdf).values())
    assert {c for c in name if not c.isspace()} <= drawn


def test_only_the_bundled_fonts_are_used_even_with_no_fonts_on_the_server(
        tmp_path: Path) -> None:
    config = tmp_path / "fonts.conf"
    # A fontconfig setup with no font directory at all: a server with no fonts installed.
    config.write_text(f"<fontconfig><cachedir>{tmp_path}/cache</cachedir></fontconfig>\n")
    out = tmp_path / "names.pdf"
    script = ("import sys; from tests.pdf_tools import render; from tests.answers import clean\n"
              "open(sys.argv[1], 'wb').write(render(clean(patient_name=sys.argv[2])))\n")
    everyone = " ".join(NAMES.values())
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", script, str(out), everyone],
                            cwd=ROOT, env={**os.environ, "FONTCONFIG_FILE": str(config)},
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert ".notdef" not in result.stderr
    pdf = out.read_bytes()
    assert all(BUNDLED.fullmatch(font.name) for font in fonts_of(pdf))
    drawn = set().union(*drawn_characters(pdf).values())
    assert {c for c in everyone if not c.isspace()} <= drawn


def test_the_tick_boxes_are_drawn_by_the_bundled_symbols_font_with_no_fonts_on_the_server(
        tmp_path: Path) -> None:
    config = tmp_path / "fonts.conf"
    config.write_text(f"<fontconfig><cachedir>{tmp_path}/cache</cachedir></fontconfig>\n")
    out = tmp_path / "issued.pdf"
    script = ("import sys; from tests.pdf_tools import render; from tests.answers import example\n"
              "open(sys.argv[1], 'wb').write(render(example('emergency')))\n")
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", script, str(out)],
                            cwd=ROOT, env={**os.environ, "FONTCONFIG_FILE": str(config)},
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert ".notdef" not in result.stderr
    pdf = out.read_bytes()
    assert all(BUNDLED.fullmatch(font.name) for font in fonts_of(pdf))
    assert BOX <= drawn_characters(pdf)["Summary-Symbols"]


def test_every_bundled_font_has_its_licence_next_to_it() -> None:
    fonts = STATIC_ROOT / "fonts"
    licences = {"OFL.txt": "SIL OPEN FONT LICENSE", "LICENSE-Apache-2.0.txt": "Apache License"}
    for file, heading in licences.items():
        assert heading in (fonts / file).read_text()
    for path in sorted(fonts.glob("*.ttf")):
        family = TTFont(path)["name"].getDebugName(1)
        licence = "LICENSE-Apache-2.0.txt" if family.startswith("Droid") else "OFL.txt"
        assert family.split()[0] in (fonts / licence).read_text(), path.name


def test_a_character_no_bundled_font_has_stays_out_of_the_log(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        render(clean(patient_name="Ana \ue000\U0010fffd"))  # private use: in no font
    messages = [record.getMessage() for record in caplog.records]
    assert any(".notdef" in message for message in messages)
    assert not [m for m in messages if "\ue000" in m or "\U0010fffd" in m or "Ana" in m]
