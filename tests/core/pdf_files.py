"""Small PDFs made on the spot with pikepdf: a plain one with its author's metadata, and hostile ones."""

from __future__ import annotations

import io

import pikepdf


def _save(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **options)
    return out.getvalue()


def plain_pdf(author: str = "Jane Diplomat", pages: int = 1) -> bytes:
    """A plain PDF whose document information and XMP name its author and software."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.docinfo["/Author"] = author
    pdf.docinfo["/Producer"] = "Secret Ministry Workstation 7"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [author]
    return _save(pdf)


def pdf_with_javascript() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('hi')"))
    return _save(pdf)


def pdf_with_launch_action() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
    return _save(pdf)


def pdf_with_embedded_file() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(
        pdf, b"MZ...", mime_type="application/octet-stream"
    )
    return _save(pdf)


def encrypted_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return _save(pdf, encryption=pikepdf.Encryption(owner="owner", user="user"))
