"""The search index: what the build writes for search.js to load piece by piece."""

from __future__ import annotations

import json
import re

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
    meta, words, documents = None, {}, {}
    for path, content in search.files(docs):
        name, data = parse(content)
        assert path == f"search-index/{name}.js"
        if name == "index":
            meta = data
        elif name.startswith("w/"):
            words[name[2:]] = data
        else:
            documents[int(name[2:])] = data
    return meta, words, documents


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
