"""PDFs people upload (a letter or note verbale, a meeting's programme, a reply to a UN communication):
checked by content and stored without their metadata.

Refused, each with its own sentence: a file that is not a PDF (by its signature and by parsing it, whatever
it is called), one over the size limit, an encrypted one, and one that carries anything active or hidden:
JavaScript, actions run on opening or on events (launching a program, importing data, submitting a form),
embedded files or file attachments, rich media, or an XFA form. What is accepted is written again by pikepdf
without its document information (author, software, dates) and its XMP metadata, so no name or machine of the
author's is kept.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pikepdf
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Actions that run something, reach out, or send data when a reader opens or clicks.
DANGEROUS_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/Rendition", "/GoToE"}
)
# Walking a hostile file must end: a document of a few thousand pages has far fewer objects than this.
MAX_NODES = 500_000


class PdfRefused(ValidationError):
    pass


def _refuse(message, code: str) -> PdfRefused:
    return PdfRefused(message, code=code)


def _nodes(root: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """Every dictionary and stream reachable from `root`, each indirect object once."""
    containers = (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array)
    seen: set[tuple[int, int]] = set()
    stack = [root]
    count = 0
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _refuse(
                _("This PDF is too complex to check. Please send a simpler file."), "pdf_too_complex"
            )
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if isinstance(node, pikepdf.Array):
            children = list(node)
        else:
            yield node
            children = [node.get(key) for key in list(node.keys())]
        stack.extend(child for child in children if isinstance(child, containers))


def _problem(node: pikepdf.Object) -> tuple[str, str] | None:
    keys = set(node.keys())
    if keys & {"/JS", "/JavaScript"} or node.get("/S") == "/JavaScript":
        return str(_("This PDF contains JavaScript. Please send it without scripts.")), "pdf_javascript"
    if node.get("/S") in DANGEROUS_ACTIONS or "/Launch" in keys:
        return str(
            _("This PDF runs actions when it is opened or clicked. Please send a plain PDF.")
        ), "pdf_action"
    if (
        "/EmbeddedFiles" in keys
        or "/EF" in keys
        or node.get("/Type") == "/EmbeddedFile"
        or node.get("/Subtype") in ("/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen")
    ):
        return str(_("This PDF has files or media embedded in it. Please send it without attachments.")), (
            "pdf_embedded_file"
        )
    if "/XFA" in keys:
        return str(
            _("This PDF is an XFA form, which can carry scripts. Please print it to a plain PDF.")
        ), "pdf_xfa"
    return None


def clean_pdf(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The PDF in `data`, checked and written again without metadata; `PdfRefused` (a ValidationError with a
    sentence for the person who sent it) when it cannot be accepted."""
    if len(data) > max_bytes:
        raise _refuse(
            _("This file is larger than %(size)s MB. Please send a smaller PDF.")
            % {"size": max_bytes // 2**20},
            "pdf_too_large",
        )
    if b"%PDF-" not in data[:1024]:
        raise _refuse(_("This file is not a PDF."), "not_pdf")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as error:
        raise _refuse(
            _("This PDF is protected by a password. Please send it without protection."), "pdf_encrypted"
        ) from error
    except (pikepdf.PdfError, ValueError, RecursionError) as error:
        raise _refuse(
            _("This PDF is damaged and cannot be read. Please export it again."), "pdf_damaged"
        ) from error
    with pdf:
        if pdf.is_encrypted:
            raise _refuse(
                _("This PDF is protected by a password. Please send it without protection."), "pdf_encrypted"
            )
        try:
            for node in _nodes(pdf.trailer):
                problem = _problem(node)
                if problem is not None:
                    raise _refuse(*problem)
            root = pdf.Root
            for key in ("/Metadata", "/PieceInfo", "/OpenAction", "/AA"):
                if key in root:
                    del root[key]
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for page in pdf.pages:
                for key in ("/Metadata", "/PieceInfo"):
                    if key in page.obj:
                        del page.obj[key]
            out = io.BytesIO()
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
        except PdfRefused:
            raise
        except (pikepdf.PdfError, ValueError, RecursionError, KeyError) as error:
            raise _refuse(
                _("This PDF is damaged and cannot be read. Please export it again."), "pdf_damaged"
            ) from error
    return out.getvalue()


def clean_pdf_upload(upload, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """`clean_pdf` of an uploaded file, reading no more than the limit (and one byte, to tell it is over)."""
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    return clean_pdf(data, max_bytes=max_bytes)
