"""arXiv identifiers in every form, and the API's real Atom feed shape."""

from llmnotes.sources import LookupFailure, Metadata
from llmnotes.sources.arxiv import arxiv_id, parse_feed

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title type="html">ArXiv Query: search_query=&amp;id_list=1706.03762</title>
  <entry>
    <id>http://arxiv.org/abs/1706.03762v7</id>
    <published>2017-06-12T17:57:34Z</published>
    <title>Attention Is All
      You Need</title>
    <author><name>Ashish Vaswani</name></author>
    <author><name>Noam Shazeer</name></author>
    <arxiv:primary_category term="cs.CL"/>
  </entry>
</feed>"""


def test_ids_in_every_form() -> None:
    for text in (
        "https://arxiv.org/abs/1706.03762",
        "https://arxiv.org/abs/1706.03762v7",
        "http://arxiv.org/pdf/1706.03762v2.pdf",
        "https://arxiv.org/pdf/1706.03762",
        "arXiv:1706.03762",
        "1706.03762v1",
    ):
        assert arxiv_id(text) == "1706.03762", text
    assert arxiv_id("https://arxiv.org/abs/hep-th/9901001v1") == "hep-th/9901001"
    assert arxiv_id("arXiv:math.GT/0309136") == "math.GT/0309136"
    assert arxiv_id("https://example.com/abs/1706.03762") is None
    assert arxiv_id("1706.037") is None


def test_feed_entry() -> None:
    assert parse_feed(FEED, "1706.03762") == Metadata(
        "Attention Is All You Need",
        ("Ashish Vaswani", "Noam Shazeer"),
        2017,
        "paper",
        "https://arxiv.org/abs/1706.03762",
    )


def test_empty_and_malformed_feeds_fail() -> None:
    empty = '<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'
    assert isinstance(parse_feed(empty, "1"), LookupFailure)
    bad = parse_feed("<feed><entry>", "1706.03762")
    assert isinstance(bad, LookupFailure)
    assert bad.message().startswith("could not get arXiv:1706.03762: the arXiv API answered malformed XML")
