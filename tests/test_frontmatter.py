"""Front-matter parsing: the values `frontmatter.parse` builds are those PyYAML's safe loader builds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from llmnotes import frontmatter

_KEYS = st.text(st.sampled_from("abz_- :#'\"[]{}&*!|>%@`,?"), min_size=1, max_size=6)
_SCALARS = (
    st.text(max_size=12)
    | st.integers()
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.none()
    | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1))
    | st.sampled_from(["yes", "no", "~", "null", "1e3", "0x1f", "0o17", ".inf", "2023-02-03", "2023-02-03 10:00:00", "12:30", "=", "<<"])
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=20)


def _pyyaml(text: str) -> Any:
    return yaml.load(text, Loader=frontmatter._Loader)  # the safe loader, C or Python, as llmnotes uses it


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=6), st.sampled_from([None, True, False]))
def test_the_values_are_those_pyyaml_builds(data: dict[str, Any], flow: bool | None) -> None:
    """Documents of every scalar type, nested lists and mappings, in block and flow style."""
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    assert frontmatter.parse(text, 1).data == _pyyaml(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, b]\nc: *x\n",  # an alias
        "base: &b {k: 1}\nd:\n  <<: *b\n  j: 2\n",  # a merge key
        "s: !!set {a, b}\n",  # an explicit tag on a mapping
        "o: !!omap [a: 1, b: 2]\n",
        "1: one\ntrue: yes\nnull: none\n",  # keys that are not strings
        "t: !!str 12\nn: !!int '7'\nf: !!float '1.5'\n",  # explicit tags on scalars
        "d: 2023-02-03\nw: 2023-02-03 10:00:00+02:00\nb: !!binary aGk=\n",
        "a:\n  - x\n  - [y, {z: 1}]\n  - {k: [1, 2.5, ~]}\n",
    ],
)
def test_documents_pyyaml_builds_itself_are_the_same(text: str) -> None:
    assert frontmatter.parse(text, 1).data == _pyyaml(text)


@example("[a, b]: c\n", "invalid YAML: found unhashable key")  # PyYAML's own error, as before
@example("a: 2023-02-30\n", "'2023-02-30' is not a real date")
@example("a: [1, !!bool maybe]\n", "'maybe' is not a valid bool value")
@given(st.just("x: {a: !!int nope}\n"), st.just("'nope' is not a valid int value"))
def test_a_value_pyyaml_cannot_build_is_an_error_at_its_place(text: str, message: str) -> None:
    with pytest.raises(frontmatter.FrontMatterError) as raised:
        frontmatter.parse(text, 1)
    assert raised.value.message.startswith(message) and raised.value.line == 1
