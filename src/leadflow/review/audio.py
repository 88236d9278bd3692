"""What kind of audio file an upload is, read from its first bytes, not from what the browser
claims: a call recording is served back with the type found here, so a file that is not audio
(a page, a script, a document) is never stored as a recording whatever its name or declared type.
"""

from dataclasses import dataclass

#: Bytes of a file's start that ``audio_format`` needs.
HEAD_BYTES = 16


@dataclass(frozen=True, slots=True)
class AudioFormat:
    content_type: str
    extension: str


MPEG = AudioFormat("audio/mpeg", ".mp3")
AAC = AudioFormat("audio/aac", ".aac")
WAV = AudioFormat("audio/wav", ".wav")
OGG = AudioFormat("audio/ogg", ".ogg")
FLAC = AudioFormat("audio/flac", ".flac")
MP4 = AudioFormat("audio/mp4", ".m4a")
WEBM = AudioFormat("audio/webm", ".webm")
AMR = AudioFormat("audio/amr", ".amr")

#: MP4 brands of audio files and of the general containers phone systems write audio in.
MP4_BRANDS = frozenset({b"M4A ", b"M4B ", b"mp41", b"mp42", b"isom", b"iso2", b"dash", b"3gp4"})


def audio_format(head: bytes) -> AudioFormat | None:
    """The audio format whose signature ``head`` (a file's first bytes) starts with, or None."""
    if head.startswith(b"ID3"):
        return MPEG
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"fLaC"):
        return FLAC
    if head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if head.startswith(b"#!AMR"):
        return AMR
    if len(head) >= 2 and head[0] == 0xFF:
        # Frame sync: ADTS (AAC) has layer bits 00, MPEG audio layers I-III have 01-11.
        if head[1] & 0xF6 == 0xF0:
            return AAC
        if head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
            return MPEG
    return None
