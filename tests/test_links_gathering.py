"""`Gathering` is `extract` fed a chunk of notes at a time, in whatever order the loading workers
finish them: the targets must not depend on the chunks or their order."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmnotes.links.extract import Gathering, Target, extract, fragment_of, written
from llmnotes.load import Loaded, load_for_links
from llmnotes.model import Note, Place
from llmnotes.normalize import fetch_key


def sequential(notes: tuple[Note, ...]) -> list[Target]:
    """The extraction as first written, one pass over every note in slug order: the oracle."""
    places: dict[str, list[Place]] = defaultdict(list)
    fragments: dict[str, list[tuple[str, Place]]] = defaultdict(list)
    first_url: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for note in sorted(notes, key=lambda n: n.slug):
        for url, place, why in written(note):
            key = fetch_key(url)
            first_url.setdefault(key, url.split("#", 1)[0])
            places[key].append(place)
            if fragment_of(url):
                fragments[key].append((fragment_of(url), place))
            if why is not None:
                reasons.setdefault(key, why)

    def order(p: Place) -> tuple[str, int, int]:
        return (p.path, p.line, p.col)

    return [
        Target(first_url[key], key, tuple(sorted(set(p), key=order)), tuple(fragments.get(key, ())), reasons.get(key))
        for key, p in sorted(places.items(), key=lambda kv: order(min(kv[1], key=order)))
    ]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """Notes whose links meet in every way that matters: one URL in many notes, two spellings of one
    key, fragments of one page, a discussion link, an ftp: link that is not fetched, a body link
    before the front-matter's in another note."""
    notes = tmp_path_factory.mktemp("gathering") / "notes"
    notes.mkdir()
    (notes / "topics.yaml").write_text("topics:\n  - slug: t\n    title: T\n")
    for i in range(12):
        front = [f"  - url: https://example.org/own/{i}\n    title: own {i}\n"]
        if i % 3 == 0:
            front.append(
                f"  - url: https://Example.ORG/shared#{'part' if i % 2 else 'intro'}\n    title: shared\n"
                f"    discussion:\n      - https://news.example.net/item?id={i % 2}\n"
            )
        body = [f"[page](https://example.org/shared) and [ftp](ftp://files.example.org/{i % 4}.txt)"]
        if i % 4 == 1:
            body.append(f"[spelled](HTTPS://example.org:443/spelled#{'a' if i < 6 else 'b'}) <https://example.org/own/{(i + 5) % 12}>")
        (notes / f"n-{11 - i:02}.md").write_text("---\ntitle: N\nlinks:\n" + "".join(front) + "---\n" + "\n\n".join(body) + "\n")
    found = load_for_links(notes, workers=1)
    assert not found.diagnostics and len(found.notes) == 12
    return found


def test_extract_is_the_sequential_extraction(loaded: Loaded) -> None:
    targets = extract(loaded)
    assert targets == sequential(loaded.notes)
    shared = next(t for t in targets if t.key == fetch_key("https://example.org/shared"))
    assert shared.url == "https://example.org/shared"  # the spelling of the first note by slug (n-00, a body link)
    assert {f for f, _ in shared.fragments} == {"part", "intro"} and len(shared.places) == 12 + 4
    assert any(t.reason for t in targets if t.url.startswith("ftp:"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_targets_do_not_depend_on_the_chunks_or_their_order(loaded: Loaded, data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(loaded.notes))))
    cuts = sorted(data.draw(st.sets(st.integers(1, len(order) - 1), max_size=5)))
    gathering, first_met = Gathering(), []
    for start, end in zip([0, *cuts], [*cuts, len(order)], strict=True):
        first_met += gathering.add([loaded.notes[i] for i in order[start:end]])
    assert gathering.targets() == sequential(loaded.notes)
    assert len({t.key for t in first_met}) == len(first_met) == len(gathering.targets())  # each URL handed out once
