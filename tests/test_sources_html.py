"""Page metadata layers: citation_* first, then JSON-LD, then OpenGraph, then <title>."""

from llmnotes.sources import LookupFailure, Metadata
from llmnotes.sources.html import parse_page

URL = "https://example.org/post"


def test_citation_meta_wins() -> None:
    html = """<html><head><title>Site | Paper</title>
    <meta name="citation_title" content="Scaling Laws &amp; You">
    <meta name="citation_author" content="Kaplan, Jared"><meta name="citation_author" content="Sam McCandlish">
    <meta name="citation_publication_date" content="2020/01/23">
    <meta property="og:title" content="OG title"></head></html>"""
    assert parse_page(html, URL) == Metadata(
        "Scaling Laws & You", ("Kaplan, Jared", "Sam McCandlish"), 2020, "article", URL)


def test_json_ld_then_opengraph_then_title() -> None:
    ld = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "BlogPosting", "headline": "The Illustrated Transformer",
       "author": [{"@type": "Person", "name": "Jay Alammar"}], "datePublished": "2018-06-27T00:00:00Z"}]}
    </script><script type="application/ld+json">{broken</script>"""
    assert parse_page(ld + '<meta property="og:title" content="x">', URL) == Metadata(
        "The Illustrated Transformer", ("Jay Alammar",), 2018, "article", URL)
    og = """<meta property="og:title" content="An OG post"><meta property="article:author" content="Lilian Weng">
    <meta property="article:published_time" content="2023-06-23T00:00:00+00:00"><title>t</title>"""
    assert parse_page(og, URL) == Metadata("An OG post", ("Lilian Weng",), 2023, "article", URL)
    assert parse_page("<title>\n  Just a   title </title>", URL) == Metadata("Just a title", (), None, "article", URL)


def test_no_title_fails() -> None:
    assert isinstance(parse_page("<html><body>hi</body></html>", URL), LookupFailure)
