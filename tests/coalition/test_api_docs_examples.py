"""Every ```http example in docs/api.md, run against the portal: the documentation cannot promise what the
API does not do.

An example is a request (method, path, request headers), a blank line, the answer's status line, the headers
it must carry, a blank line and a fragment of the body. In values, `…` stands for anything. A JSON fragment
matches when every member it names matches (lists item by item, from the first); any other body must start
with the fragment. A line `# ... SETTING_NAME=value ...` before the request sets that setting for the example.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.core.test_open_data import add_open_data

pytestmark = pytest.mark.django_db

DOCS = Path(django_settings.BASE_DIR) / "docs" / "api.md"
ANYTHING = "…"


@dataclass
class Example:
    line: int
    method: str
    path: str
    request_headers: dict[str, str]
    status: int
    headers: dict[str, str]
    body: str
    settings: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"docs/api.md:{self.line} {self.method} {self.path}"


def examples() -> list[Example]:
    text = DOCS.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"^```http\n(.*?)^```", text, re.S | re.M):
        line = text.count("\n", 0, match.start()) + 1
        lines = match.group(1).splitlines()
        overrides = {}
        while lines[0].startswith("#"):
            overrides.update({k: int(v) for k, v in re.findall(r"\b([A-Z_]+)=(\d+)", lines.pop(0))})
        blank = lines.index("")
        method, path = lines[0].split(" ", 1)
        request_headers = dict(header.split(": ", 1) for header in lines[1:blank])
        rest = lines[blank + 1 :]
        status = int(rest[0].split()[1])
        end = rest.index("") if "" in rest else len(rest)
        headers = dict(header.split(": ", 1) for header in rest[1:end])
        body = "\n".join(rest[end + 1 :]).strip()
        found.append(Example(line, method, path, request_headers, status, headers, body, overrides))
    return found


def matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split(ANYTHING))
    return re.fullmatch(pattern, actual, re.S) is not None


def check_fragment(expected: Any, actual: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for name, value in expected.items():
            assert name in actual, f"{where}.{name} missing"
            check_fragment(value, actual[name], f"{where}.{name}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) >= len(expected), where
        for index, value in enumerate(expected):
            check_fragment(value, actual[index], f"{where}[{index}]")
    elif isinstance(expected, str):
        assert isinstance(actual, str) and matches(expected, actual), f"{where}: {actual!r}"
    else:
        assert expected == actual, f"{where}: {actual!r}"


EXAMPLES = examples()


def test_the_documentation_has_examples_of_each_kind():
    assert len(EXAMPLES) >= 8
    assert {example.status for example in EXAMPLES} >= {200, 204, 404, 429}
    assert {example.method for example in EXAMPLES} == {"GET", "OPTIONS"}


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_the_example_is_what_the_api_answers(example, settings):
    for name, value in example.settings.items():
        setattr(settings, name, value)
    add_open_data(3)
    client = Client(headers=example.request_headers)
    response = client.generic(example.method, example.path)
    assert response.status_code == example.status
    for name, value in example.headers.items():
        assert name in response, f"{name} missing"
        assert matches(value, response[name]), f"{name}: {response[name]!r}"
    if not example.body:
        return
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8-sig")
    if example.body.startswith("{"):
        check_fragment(json.loads(example.body), json.loads(text), "body")
    else:
        assert text.startswith(example.body)
