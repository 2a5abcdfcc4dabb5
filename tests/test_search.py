"""The search index: what the build writes for search.js to load piece by piece."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from llmnotes import search
from llmnotes.search import Doc


def parse(content: bytes) -> tuple[str, object]:
    match = re.fullmatch(r"LLMNOTES_SEARCH\.add\((\"[^\"]+\"),(.*)\);\n", content.decode(), re.S)
    assert match, content[:80]
    return json.loads(match.group(1)), json.loads(match.group(2))


def decode(deltas: list[int]) -> list[int]:
    ids, at = [], 0
    for d in deltas:
        at += d
        ids.append(at)
    return ids


def index_of(docs: list[Doc]) -> tuple[dict, dict[str, dict], dict[int, dict]]:
    """The index as the browser sees it: its entry, its word shards and every document by id."""
    meta, words, heads, texts = None, {}, {}, {}
    for path, content in search.files(docs):
        name, data = parse(content)
        assert path == f"search-index/{name}.js"
        if name == "index":
            meta = data
        elif name.startswith("w/"):
            words[name[2:]] = data
        elif name.startswith("d/"):
            heads.update((int(name[2:]) * meta["heads"] + i, head) for i, head in enumerate(data))
        else:
            texts.update((int(name[2:]) * meta["texts"] + i, text) for i, text in enumerate(search.decompress(data)))
    assert sorted(heads) == sorted(texts) == list(range(meta["docs"]))
    return meta, words, {i: {**head, "x": texts[i]} for i, head in heads.items()}


DOCS = [
    Doc("note", "Attention is all you need", "notes/attention/", "Why attention works.", "Self-attention compares every token."),
    Doc("note", "Tokens", "notes/tokens/", "Bytes to tokens.", "Byte-pair encoding merges frequent pairs; attention comes later."),
    Doc("resource", "Łukasz's talk", "resources/r1/", "talk · Łukasz Kaiser · 2017", "Café notes"),
]


def test_each_word_lists_each_document_once_under_its_best_field() -> None:
    meta, shards, documents = index_of(DOCS)
    assert meta["docs"] == 3 and sorted(documents) == [0, 1, 2]
    ids = {d["t"]: i for i, d in documents.items()}
    attention = shards["at"]["attention"]
    title, summary, text = (decode(f) for f in attention + [[]] * (3 - len(attention)))
    assert title == [ids["Attention is all you need"]] and summary == [] and text == [ids["Tokens"]]
    assert "the" not in json.dumps(shards) and "is" not in shards.get("is", {})  # stop words are left out


def test_ids_put_shorter_titles_first_so_ties_rank_them_first() -> None:
    _, _, documents = index_of(DOCS)
    assert [documents[i]["t"] for i in range(3)] == ["Tokens", "Łukasz's talk", "Attention is all you need"]


def test_non_ascii_words_get_plain_file_names_and_match_the_browser_tokeniser() -> None:
    meta, shards, _ = index_of(DOCS)
    assert "łu" in meta["keys"] and search.file_name("łu") == "_c58275"
    assert "łukasz" in shards["_c58275"] and "café" in shards["ca"]
    assert search.words("GPT-4's self_attention, Café") == ["gpt", "4", "s", "self_attention", "café"]


def test_large_groups_split_by_longer_prefixes_and_lose_no_word() -> None:
    vocabulary = [f"model{chr(97 + i)}{chr(97 + j)}" for i in range(20) for j in range(20)] + ["mo"]
    docs = [Doc("note", f"Note {n}", f"notes/n{n}/", "", " ".join(vocabulary[n % 50 :: 7])) for n in range(900)]
    meta, shards, _ = index_of(docs)
    assert "mo" in meta["keys"] and len(meta["keys"]) > 3  # "mo" keeps the short word, the rest went deeper
    assert list(shards["mo"]) == ["mo"] and "modela" in meta["keys"]
    found = {w for group in shards.values() for w in group}
    assert found >= set(vocabulary)
    for key, group in shards.items():
        assert all(w.startswith(bytes.fromhex(key[1:]).decode() if key.startswith("_") else key) for w in group)
        assert len(json.dumps(group, separators=(",", ":"))) <= search.SHARD_BYTES or all(len(w) <= search.LAST_KEY for w in group)


def test_text_is_escaped_for_a_script_element() -> None:
    docs = [Doc("note", "</script><script>alert(1)</script>", "notes/x/", "", "")]
    for _, content in search.files(docs):
        assert b"</script" not in content


def test_documents_come_in_bundles_of_a_fixed_size_in_id_order() -> None:
    count = 2 * search.HEADS_PER_FILE + 3
    docs = [Doc("note", f"Note {n:02}", f"notes/n{n}/", "", f"text {n} " * 50) for n in range(count)]
    files = dict(search.files(docs))
    assert sorted(p for p in files if "/d/" in p) == [f"search-index/d/{n}.js" for n in range(3)]
    texts = -(-count // search.TEXTS_PER_FILE)
    assert sorted(p for p in files if "/x/" in p) == sorted(f"search-index/x/{n}.js" for n in range(texts))
    _, _, documents = index_of(docs)
    assert [documents[i]["t"] for i in range(count)] == [d.title for d in search.order(docs)]
    assert documents[count - 1]["x"] == search.order(docs)[-1].text
    assert len(parse(files["search-index/d/2.js"])[1]) == 3  # the last bundle holds what is left
    last = files[f"search-index/x/{texts - 1}.js"]
    assert len(last) < len("text 0 " * 50)  # compressed: three 350-character texts in fewer bytes than one


def test_words_known_in_advance_give_the_index_the_text_would() -> None:
    from llmnotes.tokens import distinct_words

    known = [d._replace(text_words=distinct_words(d.text)) for d in DOCS]
    assert list(search.files(known)) == list(search.files(DOCS))
    wrong = [d._replace(text_words="unrelated") for d in DOCS]
    assert list(search.files(wrong)) != list(search.files(DOCS))  # they are what the index is made from


# -- the word lists patched after an edit ---------------------------------------------------------

def digests_of(docs: list[Doc]) -> tuple[str, ...]:
    return tuple(map(search.doc_digest, docs))


def shards_of(docs: list[Doc], memo: search.Memo | None) -> tuple[dict[str, str], search.Memo]:
    return search.word_shards(docs, digests_of(docs), memo)


VOCABULARY = "alpha alps alpine alpaca also am amber ambit the beta bet better betting zeta zest über α ab".split()
_text = st.lists(st.sampled_from(VOCABULARY), max_size=6).map(" ".join)
_doc = st.builds(lambda t, s, x: Doc("note", t, "/n/", s, x), _text, _text, _text)


@given(
    before=st.lists(_doc, min_size=1, max_size=14),
    edits=st.lists(st.tuples(st.integers(min_value=0), _doc), max_size=5),
    shard_bytes=st.sampled_from([search.SHARD_BYTES, 40, 90]),
)
def test_word_lists_patched_after_an_edit_are_those_made_afresh(before: list[Doc], edits: list[tuple[int, Doc]], shard_bytes: int) -> None:
    """Whatever the documents and whichever few of them change (a word added, moved from the
    text to the title, the last one of a word gone), the shards and lists patched from the last
    build's memo are those a fresh start makes; small shard sizes make groups split and merge."""
    after = list(before)
    for at, doc in edits:
        after[at % len(after)] = doc
    kept = search.SHARD_BYTES
    search.SHARD_BYTES = shard_bytes
    try:
        _, memo = shards_of(before, None)
        assert search._changed(digests_of(after), memo) is not None  # patched, not made afresh
        patched, patched_memo = shards_of(after, memo)
        fresh, fresh_memo = shards_of(after, None)
        assert patched == fresh == search.shards(search.postings(after))
        assert patched_memo == fresh_memo
    finally:
        search.SHARD_BYTES = kept


def test_word_lists_are_made_afresh_when_ids_move_or_many_documents_change() -> None:
    docs = [Doc("note", f"title {i}", f"/n/{i}/", "alpha", "beta") for i in range(search.PATCH_LIMIT + 2)]
    _, memo = shards_of(docs, None)
    digests = digests_of(docs)
    assert search._changed(digests, memo) == []
    assert search._changed(digests[:-1], memo) is None  # a document removed: every later id moved
    many = tuple(f"x{d}" for d in digests)
    assert search._changed(many, memo) is None
    assert search._changed(many[: search.PATCH_LIMIT] + digests[search.PATCH_LIMIT :], memo) == list(range(search.PATCH_LIMIT))
