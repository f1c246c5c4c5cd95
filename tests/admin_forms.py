"""Submitting an admin change form as a browser would: every field as the page shows it, a few changed."""

from html.parser import HTMLParser


class _FormValues(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._multiple = False
        self._selected: list[str] = []
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and not attrs.get("disabled"):
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._multiple, self._selected, self._first_option = (
                name,
                "multiple" in attrs,
                [],
                None,
            )
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = attrs.get("value", "")
            if "selected" in attrs:
                self._selected.append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            # A browser sends each selected option; a single select with none selected sends its first.
            chosen = self._selected or ([] if self._multiple else [self._first_option or ""])
            self.values += [(self._select, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.values.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data


def submit_change_form(client, url: str, **changes: str):
    """GET the admin page at `url`, change the named fields, POST the whole form back."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    form = html[html.index("<form") : html.rindex("</form>")]
    parser = _FormValues()
    parser.feed(form)
    data: dict[str, list[str]] = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = [value]
    data["_save"] = ["Save"]
    return client.post(url, data)


def admin_errors(response) -> dict:
    """The errors an admin change form answered with, for an assertion message."""
    context = response.context or {}
    errors = {}
    if "adminform" in context:
        errors["form"] = context["adminform"].form.errors
    for inline in context.get("inline_admin_formsets", []):
        errors[inline.formset.prefix] = [inline.formset.non_form_errors(), *inline.formset.errors]
    return errors
