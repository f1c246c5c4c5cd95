"""Uploaded PDFs: checked by content, refused with a sentence when hostile, stored without metadata."""

import io

import pikepdf
import pytest

from core.pdfs import PdfRefused, clean_pdf
from tests.core import pdf_files


def test_a_plain_pdf_is_kept_without_its_metadata():
    original = pdf_files.plain_pdf(author="Jane Diplomat", pages=2)
    assert b"Jane Diplomat" in original
    cleaned = clean_pdf(original)
    assert b"Jane Diplomat" not in cleaned
    assert b"Secret Ministry" not in cleaned
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert len(pdf.pages) == 2
        assert "/Metadata" not in pdf.Root
        assert "/Info" not in pdf.trailer


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"GIF89a not a pdf at all", "not_pdf", "not a PDF"),
        (b"%PDF-1.7\n garbage that is no document", "pdf_damaged", "damaged"),
        (pdf_files.pdf_with_javascript(), "pdf_javascript", "JavaScript"),
        (pdf_files.pdf_with_launch_action(), "pdf_action", "actions"),
        (pdf_files.pdf_with_embedded_file(), "pdf_embedded_file", "embedded"),
        (pdf_files.encrypted_pdf(), "pdf_encrypted", "password"),
    ],
)
def test_hostile_or_broken_files_are_refused_with_a_sentence(data, code, words):
    with pytest.raises(PdfRefused) as refused:
        clean_pdf(data)
    assert refused.value.code == code
    assert words in str(refused.value.message)


def test_a_file_over_the_limit_is_refused_before_it_is_parsed():
    with pytest.raises(PdfRefused) as refused:
        clean_pdf(pdf_files.plain_pdf(), max_bytes=100)
    assert refused.value.code == "pdf_too_large"
