"""The search index: an inverted word index cut into small script files, loaded on demand.

A browser opening `build/` from disk may not `fetch` JSON, but it may run scripts; so every part of
the index is a script that hands its data to `window.LLMNOTES_SEARCH.add`. One file per part keeps
what a query downloads small at any size (the 10,000-note corpus in `benchmarks/RESULTS.md`):

- `search-index/index.js`: the document count, the stop words and the list of word shards;
- `search-index/w/<key>.js`: the words starting with `<key>`, each with the ids of the documents
  that contain it, split by where (title, summary, text) and delta-encoded;
- `search-index/d/<n>.js`: what results show of documents `n * HEADS_PER_FILE` onwards (kind,
  title, URL, summary), fetched only for the results on screen;
- `search-index/x/<n>.js`: the texts of documents `n * TEXTS_PER_FILE` onwards, fetched only for a
  result matched in its text, to show the snippet. A note's text is most of the index's bytes, so
  these bundles are JSON compressed with raw DEFLATE and written as base64 (the browser's
  `DecompressionStream` reads them).

Bundling trades files for bytes per query, since a page of results is spread over many ids; with
the sizes below, a query at 10,000 notes loads about what it did with one file per document
(`benchmarks/search_cost.py`).

Document ids follow (title length, title), so among equal scores the shorter, then alphabetically
first title wins without shipping titles with the word lists. Words are what `tokens.words` makes
of a text, which `search.js` must agree with.
"""

from __future__ import annotations

import base64
import bisect
import functools
import json
import re
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from llmnotes import urls
from llmnotes.buildcache import digest_of
from llmnotes.emit import Context, Keep, Page
from llmnotes.heap import signals_held
from llmnotes.model import kind_label
from llmnotes.tokens import words

if TYPE_CHECKING:
    from llmnotes.graph import Resource

FOLDER = urls.SEARCH_INDEX
INDEX = FOLDER + "index.js"
SHARD_BYTES = 48_000  # a word shard larger than this is split by a longer prefix
FIRST_KEY, LAST_KEY = 2, 6
HEADS_PER_FILE = 16  # result lines per file: one file holds a few results of a typical page
TEXTS_PER_FILE = 8  # texts per file, compressed: about the bytes of one note's text uncompressed
_PROTO_KEY = re.compile(r'(?<!\\)"__proto__":')
STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have in into is it its of on or so than that the their "
    "then there these this to was were which with".split()
)


class Doc(NamedTuple):
    """One document of the index. A named tuple: a build makes one for every note, resource and
    topic (28,700 at 10,000 notes), in a quarter of the time of as many frozen dataclasses (8 ms, not 28)."""

    kind: str  # note | resource | topic
    title: str
    url: str  # site path
    summary: str
    text: str
    text_words: str | None = None  # the distinct words of `text` when already known (a note's, from the loader: `tokens.distinct_words`)
    # What `text` is made from, when that is known and shorter (a note's bytes, by their digest; a
    # resource's digest): the index's fingerprints then need not hash the site's 50 MB of texts.
    text_key: str = ""
    # What the whole document is made from, when that is known in a few bytes (a note's page and
    # the digest of its bytes; a resource's digest): its digest is then this, not a hash of its
    # fields (`doc_digest`). After an edit of a large site, hashing every document's fields was a
    # fifth of a second (28,700 documents at 10,000 notes) for the few that changed.
    source: str = ""


def order(docs: list[Doc]) -> list[Doc]:
    """Id order: shorter titles first, then alphabetical, which is the tie-break among equal scores."""
    return [docs[i] for i in _order(docs)]


def _order(docs: list[Doc]) -> list[int]:
    """The positions of `docs` in id order (`order`)."""
    return sorted(range(len(docs)), key=lambda i: (len(words(docs[i].title)), docs[i].title.lower(), docs[i].url))


def postings(docs: list[Doc]) -> dict[str, list[list[int]]]:
    """word → [ids with it in the title, ids with it in the summary only, ids with it in the text only]."""
    index: dict[str, list[list[int]]] = {}
    for i, doc in enumerate(docs):
        for field, found in enumerate(_fields(doc)):
            for word in found:
                entry = index.get(word)  # not setdefault: it would build three lists for every word of every document
                if entry is None:
                    entry = index[word] = [[], [], []]
                entry[field].append(i)
    return index


def _fields(doc: Doc) -> tuple[set[str], set[str], set[str]]:
    """The words a document is found by, in the first of title, summary and text they are in."""
    title = set(words(doc.title)) - STOP_WORDS
    summary = set(words(doc.summary)) - STOP_WORDS - title
    text = set(doc.text_words.split() if doc.text_words is not None else words(doc.text)) - STOP_WORDS - title - summary
    return title, summary, text


# -- the word lists of the last build, patched ----------------------------------------------------
# After an edit of a large site, making every word's list again is most of the index's time (a
# second at 10,000 notes): every document's words are gone through, and 3 MB of JSON written out.
# So the index keeps its word lists and shards' JSON beside the build cache (`buildcache.Memos`),
# with a digest of each document they were made from. When the documents are those of the last
# build, in the same order, but for a few, only the words those few gained, lost or moved between
# title, summary and text have their lists changed, and only the groups of words with a list
# changed are cut into shards again. The lists and JSON are then those a fresh start makes
# (tests/test_search.py holds them to it). A title edited moves ids, and the index is made afresh.

MEMO = "search-2"  # the memo's name beside the build cache, with the version of `Memo`'s shape
PATCH_LIMIT = 32  # changed documents beyond which the lists are made afresh: each is a pass over every word

Packed = dict[str, tuple["array[int]", "array[int]", "array[int]"]]  # word → its three id lists, compact


@dataclass(frozen=True)
class Memo:
    """The word index of one build, and what it was made from."""

    docs: tuple[str, ...]  # each document's digest (`doc_digest`), in id order
    lists: Packed  # `postings` of those documents
    groups: dict[str, dict[str, str]]  # each group of words (by their first FIRST_KEY letters): its shards' JSON by key
    # The documents' titles and pages in the site's order, all that their id order (`order`) is
    # worked out from: when they are the same, so is the order (`_ids`).
    titles: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    order: tuple[int, ...] = ()


def word_shards(docs: list[Doc], digests: tuple[str, ...], memo: Memo | None) -> tuple[dict[str, str], Memo]:
    """The word shards' JSON by key (`shards`) of documents in id order, given their digests
    (`doc_digest`), and the memo of them for the next build: patched from `memo` when it was made
    from nearly the same documents."""
    changed = _changed(digests, memo)
    if memo is None or changed is None:
        index = postings(docs)
        lists: Packed = {word: _packed(entry) for word, entry in index.items()}
        groups = _shards_by_group(index)
    else:
        lists = dict(memo.lists)
        firsts = {word[:FIRST_KEY] for word in _patch(lists, docs, changed)}
        regrouped = _by_group({w: [list(ids) for ids in e] for w, e in lists.items() if w[:FIRST_KEY] in firsts})
        groups = dict(memo.groups)
        for first in firsts:
            if first in regrouped:
                groups[first] = _group_shards(regrouped[first])
            else:
                groups.pop(first, None)
    return _merged(groups), Memo(digests, lists, groups)


def doc_digest(doc: Doc) -> str:
    """What tells a document from any other: equal digests, equal documents."""
    if doc.source:
        return f"{doc.kind}:{doc.source}"  # never a hash's 32 hex digits, so never one of the others
    return digest_of((doc.kind, doc.title, doc.url, doc.summary, _text_id(doc)))


def _changed(digests: tuple[str, ...], memo: Memo | None) -> list[int] | None:
    """The ids of the documents not as `memo` has them, or None when they are too many to patch
    (another number of documents, or ids moved by a title changed, added or removed)."""
    if memo is None or len(memo.docs) != len(digests):
        return None
    changed = [i for i, (now, then) in enumerate(zip(digests, memo.docs, strict=True)) if now != then]
    return changed if len(changed) <= PATCH_LIMIT else None


def _patch(lists: Packed, docs: list[Doc], ids: list[int]) -> set[str]:
    """Move each of `ids` to the lists of the words it is found by now; the words whose lists
    changed. An edit keeps most of a document's words where they were, and those lists stay."""
    was = _found_in(lists, ids)
    now = {(word, i): field for i in ids for field, found in enumerate(_fields(docs[i])) for word in found}
    moves: dict[str, list[tuple[int, int | None, int | None]]] = {}
    for word, i in was.keys() | now.keys():
        before, after = was.get((word, i)), now.get((word, i))
        if before != after:
            moves.setdefault(word, []).append((i, before, after))
    for word, moved in moves.items():
        entry = [list(found) for found in lists[word]] if word in lists else [[], [], []]
        for i, before, after in moved:
            if before is not None:
                entry[before].remove(i)
            if after is not None:
                bisect.insort(entry[after], i)
        if any(entry):
            lists[word] = _packed(entry)
        else:  # in no document now
            del lists[word]
    return set(moves)


def _packed(entry: list[list[int]]) -> tuple[array[int], array[int], array[int]]:
    title, summary, text = entry
    return array("I", title), array("I", summary), array("I", text)


def _found_in(lists: Packed, ids: list[int]) -> dict[tuple[str, int], int]:
    """(word, id) → the field each of `ids` is found by each word in, from the lists themselves
    (the memo keeps no document's words): a look in every word's sorted lists."""
    found: dict[tuple[str, int], int] = {}
    for word, entry in lists.items():
        for field in (0, 1, 2):
            in_field = entry[field]
            if not in_field:
                continue
            for i in ids:
                at = bisect.bisect_left(in_field, i)
                if at < len(in_field) and in_field[at] == i:
                    found[word, i] = field
    return found


def _by_group(index: dict[str, list[list[int]]]) -> dict[str, dict[str, list[list[int]]]]:
    groups: dict[str, dict[str, list[list[int]]]] = {}
    for word, entry in index.items():
        groups.setdefault(word[:FIRST_KEY], {})[word] = entry
    return groups


def _delta(ids: list[int]) -> list[int]:
    return [b - a for a, b in zip([0, *ids], ids, strict=False)] if ids else []


def _encode(entry: list[list[int]]) -> list[list[int]]:
    fields = [_delta(ids) for ids in entry]
    while fields and not fields[-1]:
        fields.pop()
    return fields


def script_json(data: object) -> str:
    """JSON for a script file, read by the browser as a JavaScript literal: `</` escaped so no
    text can close a script element, and a `"__proto__"` key written as a computed key, which a
    literal keeps as its own property (a plain `"__proto__":` would set the object's prototype,
    and the word would vanish from the index). Unescaped `"…":` is always a key in JSON."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    if '"__proto__":' not in text:  # nearly always: a plain search, far quicker than the pattern's (MBs of JSON a build)
        return text
    return _PROTO_KEY.sub('["__proto__"]:', text)


def shards(index: dict[str, list[list[int]]]) -> dict[str, str]:
    """Words grouped by prefix, each group as the JSON of its file: two letters, or more where a
    group would be too large to load quickly. A word shorter than its group's prefix stays under its
    own, shorter key. Each group of words sharing their first two letters is cut on its own."""
    return _merged(_shards_by_group(index))


def _shards_by_group(index: dict[str, list[list[int]]]) -> dict[str, dict[str, str]]:
    """`shards`, by the group of words (first FIRST_KEY letters) each shard is cut from."""
    return {first: _group_shards(members) for first, members in _by_group(index).items()}


def _merged(groups: dict[str, dict[str, str]]) -> dict[str, str]:
    return {key: text for group in groups.values() for key, text in group.items()}


def _group_shards(index: dict[str, list[list[int]]]) -> dict[str, str]:
    """`shards` of words that share their first FIRST_KEY letters. A group's JSON, written once
    to measure it, is the one its file holds."""
    result: dict[str, dict[str, list[list[int]]]] = {}
    texts: dict[str, str] = {}

    def keep(key: str, words: dict[str, list[list[int]]], text: str | None) -> None:
        if key in result:  # a second group under one key: measured apart, written together
            result[key].update(words)
            texts.pop(key, None)
        else:
            result[key] = dict(words)
            if text is not None:
                texts[key] = text

    def place(group: dict[str, list[list[int]]], length: int) -> None:
        by_key: dict[str, dict[str, list[list[int]]]] = {}
        for word, entry in group.items():
            by_key.setdefault(word[:length], {})[word] = entry
        for key, members in by_key.items():
            encoded = {w: _encode(e) for w, e in sorted(members.items())}
            longer = {w: e for w, e in members.items() if len(w) > length}
            text = script_json(encoded) if length < LAST_KEY and longer else None
            if text is not None and len(text) > SHARD_BYTES:
                short = {w: encoded[w] for w in members if len(w) <= length}
                if short:
                    keep(key, short, None)
                place(longer, length + 1)
            else:
                keep(key, encoded, text)

    place(index, FIRST_KEY)
    return {key: texts.get(key) or script_json(words) for key, words in result.items()}


def file_name(key: str) -> str:
    """A shard's file: the prefix itself when plain ASCII, else `_` and its UTF-8 bytes in hex."""
    return key if re.fullmatch(r"[a-z0-9]+", key) else "_" + key.encode("utf-8").hex()


def _script(name: str, data: object) -> bytes:
    return _script_of(name, script_json(data))


def _script_of(name: str, json_text: str) -> bytes:
    return f"LLMNOTES_SEARCH.add({script_json(name)},{json_text});\n".encode()


def emit(ctx: Context) -> Iterator[Page | Keep]:
    """Notes, resources and topics as the word index `search.js` loads piece by piece."""
    site = ctx.site
    docs = [
        Doc("note", n.title, urls.note_path(n.slug), n.summary, n.text, n.words, n.digest, f"{n.slug}\x1f{n.digest}" if n.digest else "")
        for n in site.notes.values()
    ]
    docs += [_resource_doc(r, site.resource_digests[r.id]) for r in site.resources.values()]
    docs += [Doc("topic", t.title, urls.topic_path(t.slug), t.description, "") for t in site.topics.values()]
    digests = [doc_digest(doc) for doc in docs]
    fingerprint = digest_of([ctx.inputs, *digests])
    kept = ctx.unchanged_folder(INDEX, fingerprint)
    if kept is not None:  # no document changed since the last build: neither does any file
        yield from (Keep(path) for path in kept)
        return
    last = _last_memo(ctx)
    titles, pages = tuple(d.title for d in docs), tuple(d.url for d in docs)
    ids = _ids(docs, titles, pages, last)
    in_order = [docs[i] for i in ids]
    groups, memo = word_shards(in_order, tuple(digests[i] for i in ids), last)
    for part in parts(in_order, groups, ctx.inputs, [digests[i] for i in ids]):
        if part.path == INDEX:  # its fingerprint stands for the whole folder's inputs
            yield Page(part.path, part.make(), fingerprint)
        elif part.key and ctx.unchanged(part.path, part.key):
            yield Keep(part.path)
        else:
            yield Page(part.path, part.make(), part.key)
    if ctx.memos is not None:
        with signals_held():  # whole or not at all: a forked process stopped mid-write leaves no temporary file
            ctx.memos.write(MEMO, replace(memo, titles=titles, urls=pages, order=tuple(ids)))


def _resource_doc(r: Resource, digest: str) -> Doc:
    """A resource's document, known by its digest (`graph.Site.resource_digests`): of all it is."""
    summary = " · ".join(filter(None, [kind_label(r.kind), ", ".join(r.authors), str(r.year or "")]))
    text = " ".join(c.annotation for c in r.citations if c.annotation)
    return Doc("resource", r.title, urls.resource_path(r.id), summary, text, text_key=digest, source=digest)


def _ids(docs: list[Doc], titles: tuple[str, ...], pages: tuple[str, ...], last: Memo | None) -> list[int]:
    """The documents' positions in id order (`_order`): the last build's, when its documents had
    these titles and pages in this order, as after nearly every edit (sorting 28,700 titles by
    their words was a twentieth of a second of it)."""
    if last is not None and last.titles == titles and last.urls == pages and len(last.order) == len(docs):
        return list(last.order)
    return _order(docs)


def _last_memo(ctx: Context) -> Memo | None:
    found = ctx.memos.read(MEMO) if ctx.memos is not None else None
    return found if isinstance(found, Memo) else None


@dataclass(frozen=True)
class Part:
    """One file of the index, made on demand. `key` digests what it is made of when that is much
    cheaper than making it (a compressed bundle of texts), so an edit keeps the other bundles;
    "" when the build should judge the file by its bytes."""

    path: str
    key: str
    make: Callable[[], bytes]


def files(docs: list[Doc]) -> Iterator[tuple[str, bytes]]:
    """Every file of the index as (path under the output folder, bytes)."""
    docs = order(docs)
    return ((part.path, part.make()) for part in parts(docs, shards(postings(docs))))


def parts(docs: list[Doc], groups: dict[str, str], inputs: str = "", digests: list[str] | None = None) -> Iterator[Part]:
    """Every file of the index, for documents in id order and their word shards: the entry
    first, then the word shards, result lines and texts. With the documents' digests
    (`doc_digest`), each file but the entry has a key, and one made from the same is kept."""
    keys = sorted(groups)
    meta = {"docs": len(docs), "keys": keys, "stop": sorted(STOP_WORDS), "heads": HEADS_PER_FILE, "texts": TEXTS_PER_FILE}
    yield Part(INDEX, "", functools.partial(_script, "index", meta))
    for key in keys:
        name = file_name(key)
        # keyed by its JSON, which a patched index mostly takes as it was (`Memo.groups`): the bytes of
        # 1,900 shards at 10,000 notes are then neither written out nor compared again
        shard_key = digest_of(["w", name, groups[key]]) if digests is not None else ""
        yield Part(f"{FOLDER}w/{name}.js", shard_key, functools.partial(_script_of, "w/" + name, groups[key]))
    for n, group in enumerate(_bundles(docs, HEADS_PER_FILE)):
        start = n * HEADS_PER_FILE
        heads_key = digest_of(["d", str(n), *digests[start : start + HEADS_PER_FILE]]) if digests is not None else ""
        yield Part(f"{FOLDER}d/{n}.js", heads_key, functools.partial(_heads, n, group))
    for n, group in enumerate(_bundles(docs, TEXTS_PER_FILE)):
        key = digest_of([inputs, str(n), *map(_text_id, group)])
        yield Part(f"{FOLDER}x/{n}.js", key, functools.partial(_texts, n, [d.text for d in group]))


def _text_id(doc: Doc) -> str:
    """A document's text as the fingerprints see it: by its key when it has one, else itself."""
    return f"k{doc.text_key}" if doc.text_key else f"t{doc.text}"


def _heads(n: int, docs: list[Doc]) -> bytes:
    return _script(f"d/{n}", [{"k": d.kind, "t": d.title, "u": d.url, "s": d.summary} for d in docs])


def _texts(n: int, texts: list[str]) -> bytes:
    return _script(f"x/{n}", compress(texts))


def _bundles(docs: list[Doc], size: int) -> Iterator[list[Doc]]:
    return (docs[start : start + size] for start in range(0, len(docs), size))


def compress(data: object) -> str:
    """JSON, raw DEFLATE (no header, so no timestamp: the same input gives the same bytes), base64.
    Level 6, zlib's default: level 9 took a quarter longer on a site's texts for 0.5 % fewer bytes."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(packer.compress(raw) + packer.flush()).decode("ascii")


def decompress(text: str) -> object:
    """What `search.js` does with a bundle, for tests and tools."""
    return json.loads(zlib.decompress(base64.b64decode(text), -15))
