"""How text becomes search words: lower-cased runs of letters, digits and underscores (`\\w+`; in
`search.js`, `[\\p{L}\\p{N}_]+`), which must agree. Here rather than in `search` because the loader
uses it too: it works out the words of each note's text once, and the build cache keeps them, so an
edit does not tokenise the text of every other note again."""

from __future__ import annotations

import re
import sys

WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def word_set(text: str) -> frozenset[str]:
    """The distinct words of `text`, interned: the same word in many notes is one string in memory
    and in the pickled cache. Each distinct word is interned once, not each time it occurs."""
    return frozenset(map(sys.intern, set(words(text))))
