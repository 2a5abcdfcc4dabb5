"""Split a note into front-matter and body, and parse the YAML keeping where every value was written.

PyYAML's C loader is used when present (about ten times faster). Composing to nodes first, then
constructing, gives both the Python values and the marks needed for `path:line:col` messages, and
lets us refuse duplicate keys, which PyYAML would otherwise accept silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_FENCE = re.compile(r"^---[ \t]*$")
_END = re.compile(r"^(---|\.\.\.)[ \t]*$")

Path_ = tuple[Any, ...]  # a path into the YAML document, e.g. ("links", 0, "url")

# Bounds on what one front-matter block may expand to. Aliases let 400 bytes name billions of values
# (the "billion laughs"); no hand-written note comes near these.
MAX_VALUES = 20_000  # keys, items and scalars, counting every expansion of an alias
MAX_DEPTH = 32  # nested lists and mappings
_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_TYPED = object()  # what `_Index.walk` gives for a scalar that is not a string: PyYAML builds it


class FrontMatterError(Exception):
    """Raised inside this module only; callers get (line, col, message) diagnostics."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


@dataclass(frozen=True)
class Split:
    yaml_text: str
    yaml_first_line: int  # 1-based file line of the first YAML line
    body: str
    body_first_line: int  # 1-based file line of the first body line


@dataclass(frozen=True)
class Document:
    """Parsed front-matter: the values, and the place of every key and value by path."""

    data: dict[str, Any]
    values: dict[Path_, tuple[int, int]]
    keys: dict[Path_, tuple[int, int]]

    def at(self, path: Path_) -> tuple[int, int]:
        """Where the value at `path` was written, or the nearest enclosing thing that was."""
        for i in range(len(path), 0, -1):
            p = path[:i]
            if p in self.values:
                return self.values[p]
            if p in self.keys:
                return self.keys[p]
        return self.values.get((), (1, 1))

    def key_at(self, path: Path_) -> tuple[int, int]:
        return self.keys.get(path) or self.at(path)


def split(text: str) -> Split:
    """Cut the leading `---` … `---` block off the text."""
    if not text.strip():
        raise FrontMatterError(1, 1, "empty file: a note starts with YAML front-matter between '---' lines")
    lines = text.split("\n")
    if not _FENCE.match(lines[0].rstrip("\r")):
        raise FrontMatterError(1, 1, "no front-matter: a note must start with a '---' line, then YAML, then '---'")
    for i in range(1, len(lines)):
        if _END.match(lines[i].rstrip("\r")):
            return Split(
                yaml_text="\n".join(lines[1:i]),
                yaml_first_line=2,
                body="\n".join(lines[i + 1 :]),
                body_first_line=i + 2,
            )
    raise FrontMatterError(1, 1, "front-matter is never closed: add a '---' line after the YAML")


def parse(yaml_text: str, first_line: int) -> Document:
    """Parse front-matter YAML into a Document; raise FrontMatterError with a file position."""
    offset = first_line - 1
    for n, text in enumerate(yaml_text.split("\n")):
        indent = len(text) - len(text.lstrip(" \t"))
        if "\t" in text[:indent]:
            raise FrontMatterError(n + first_line, text.index("\t") + 1, "tab character in YAML indentation: indent with spaces")
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FrontMatterError(first_line - 1, 1, "front-matter is empty: at least `title:` is required")
        if not isinstance(node, yaml.MappingNode):
            line, col = _mark(node.start_mark, offset)
            raise FrontMatterError(line, col, "front-matter must be a mapping of keys to values (`title: ...`)")
        index = _Index(offset)
        data = index.walk(node, (), 0)
        for container, key, typed in index.typed:  # YAML takes 2023-13-45 for a date, or `!!bool maybe`, then cannot build it
            container[key] = _construct_scalar(loader, typed, offset)
        if not index.plain:  # a tag, a merge key or a key that is not a string: PyYAML builds it all
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark(mark, offset) if mark else (first_line, 1)
        problem = exc.problem or exc.context or "could not parse"
        if "nesting depth" in problem:  # PyYAML 6.0.4's own limit: the same words as ours and RecursionError's
            raise FrontMatterError(line, col, f"YAML nested too deeply (more than {MAX_DEPTH} levels)") from None
        raise FrontMatterError(line, col, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        if "nesting depth" in str(exc):
            raise FrontMatterError(first_line, 1, f"YAML nested too deeply (more than {MAX_DEPTH} levels)") from None
        raise FrontMatterError(first_line, 1, f"invalid YAML: {exc}") from None
    except ValueError as exc:  # a value YAML recognised but cannot build, e.g. `date: 2023-02-30`
        raise FrontMatterError(first_line, 1, f"invalid YAML value: {exc}") from None
    except RecursionError:  # the pure-Python parser, before `_Index` could count the depth
        raise FrontMatterError(first_line, 1, f"YAML nested too deeply (more than {MAX_DEPTH} levels)") from None
    finally:
        loader.dispose()
    return Document(data=data, values=index.values, keys=index.keys)


def _mark(mark: Any, offset: int) -> tuple[int, int]:
    return mark.line + 1 + offset, mark.column + 1


def _construct_scalar(loader: Any, node: Any, offset: int) -> Any:
    """Build one typed scalar now, so that a value YAML cannot build is reported where it is."""
    try:
        return loader.construct_object(node)
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError, yaml.YAMLError) as exc:
        line, col = _mark(node.start_mark, offset)
        kind = node.tag.rsplit(":", 1)[-1]
        if kind == "timestamp":
            detail = f" ({exc})" if isinstance(exc, ValueError) else ""
            raise FrontMatterError(line, col, f"'{node.value}' is not a real date{detail}") from None
        raise FrontMatterError(line, col, f"'{node.value}' is not a valid {kind} value") from None


class _Index:
    """Records the position of every key and value, refuses duplicate keys, and collects typed
    scalars; counts every value it visits, an alias's once per use, so a document that would
    expand beyond `MAX_VALUES` or nest beyond `MAX_DEPTH` stops here, in microseconds.

    It also builds the values, as PyYAML's safe constructor would, for a document of plain
    mappings, lists and strings (a note's front-matter): a second pass over the nodes for PyYAML
    to do the same was a third of parsing it. Typed scalars (numbers, dates, `null`) are left to
    PyYAML, one at a time, after the walk (`typed`: where each goes, and its node). Anything else
    (an explicit tag on a list or a mapping, a merge key `<<`, a key that is not a string) clears
    `plain`, and PyYAML builds the whole document instead."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.values: dict[Path_, tuple[int, int]] = {}
        self.keys: dict[Path_, tuple[int, int]] = {}
        self.typed: list[tuple[Any, Any, Any]] = []  # (container, key or index, scalar node)
        self.count = 0
        self.plain = True

    def walk(self, node: Any, path: Path_, depth: int) -> Any:
        here = _mark(node.start_mark, self.offset)
        self.count += 1
        if self.count > MAX_VALUES:
            raise FrontMatterError(*here, f"front-matter too large: more than {MAX_VALUES:,} values once aliases are expanded")
        if depth > MAX_DEPTH:
            raise FrontMatterError(*here, f"YAML nested too deeply (more than {MAX_DEPTH} levels)")
        self.values.setdefault(path, here)
        if isinstance(node, yaml.MappingNode):
            self.plain = self.plain and node.tag == _MAP
            mapping: dict[Any, Any] = {}
            seen: dict[Any, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
                self.plain = self.plain and isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR
                at = _mark(key_node.start_mark, self.offset)
                if key in seen:
                    raise FrontMatterError(*at, f"duplicate key '{key}' (first written on line {seen[key][0]})")
                seen[key] = at
                self.keys.setdefault(path + (key,), at)
                mapping[key] = self._value(mapping, key, value_node, self.walk(value_node, path + (key,), depth + 1))
            return mapping
        if isinstance(node, yaml.SequenceNode):
            self.plain = self.plain and node.tag == _SEQ
            items: list[Any] = []
            for i, item in enumerate(node.value):
                items.append(self._value(items, i, item, self.walk(item, path + (i,), depth + 1)))
            return items
        return node.value if node.tag == _STR else _TYPED

    def _value(self, container: Any, key: Any, node: Any, value: Any) -> Any:
        """`value`, or None for now when it is a typed scalar's, to be built by PyYAML (`typed`)."""
        if value is _TYPED:
            self.typed.append((container, key, node))
            return None
        return value
