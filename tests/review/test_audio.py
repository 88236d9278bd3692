"""Recordings are recognised by their content: the first bytes of each audio format, and
nothing else passes for audio."""

import pytest

from leadflow.review.audio import (
    AAC,
    AMR,
    FLAC,
    MP4,
    MPEG,
    OGG,
    WAV,
    WEBM,
    AudioFormat,
    audio_format,
)
from tests.review.conftest import wav_bytes


@pytest.mark.parametrize(("head", "expected"), [
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", MPEG),
    (b"\xff\xfb\x90\x64\x00", MPEG),  # MPEG-1 layer III frame, no ID3 tag
    (b"\xff\xf1\x50\x80\x00", AAC),  # ADTS
    (b"RIFF\x24\x08\x00\x00WAVEfmt ", WAV),
    (b"OggS\x00\x02\x00\x00", OGG),
    (b"fLaC\x00\x00\x00\x22", FLAC),
    (b"\x00\x00\x00\x20ftypM4A \x00\x00", MP4),
    (b"\x00\x00\x00\x18ftypisom\x00\x00", MP4),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", WEBM),
    (b"#!AMR\n", AMR),
])  # fmt: skip
def test_each_audio_format_is_recognised_by_its_signature(
    head: bytes, expected: AudioFormat
) -> None:
    assert audio_format(head) == expected


def test_a_wav_written_by_the_standard_library_is_wav() -> None:
    assert audio_format(wav_bytes()[:16]) == WAV


@pytest.mark.parametrize("head", [
    b"",
    b"<html><script>alert(1)</script>",
    b"%PDF-1.7\n",
    b"PK\x03\x04",  # a zip (docx, xlsx)
    b"RIFF\x24\x08\x00\x00AVI LIST",  # RIFF, but a video
    b"\x00\x00\x00\x20ftypqt  \x00\x00",  # a QuickTime movie
    b"\xff\xd8\xff\xe0",  # a JPEG starts with 0xFF too
    b"\xff",
])  # fmt: skip
def test_anything_else_is_not_audio(head: bytes) -> None:
    assert audio_format(head) is None
