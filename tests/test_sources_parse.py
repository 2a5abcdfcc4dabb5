"""Crossref, DataCite, GitHub and oEmbed answers in their real shapes, and their malformed forms."""

import json

from llmnotes.sources import LookupFailure, Metadata
from llmnotes.sources.doi import doi_of, is_datacite, parse_crossref, parse_datacite
from llmnotes.sources.github import parse_repo, repo_of
from llmnotes.sources.youtube import is_youtube, parse_oembed

CROSSREF = {"status": "ok", "message-type": "work", "message": {
    "DOI": "10.1038/nature14539", "type": "journal-article", "title": ["Deep learning"],
    "author": [{"given": "Yann", "family": "LeCun", "sequence": "first"},
               {"given": "Yoshua", "family": "Bengio"}, {"name": "The Consortium"}],
    "issued": {"date-parts": [[2015, 5, 27]]}}}
DATACITE = {"data": {"id": "10.48550/arxiv.1706.03762", "type": "dois", "attributes": {
    "doi": "10.48550/arxiv.1706.03762", "titles": [{"title": "Attention Is All You Need"}],
    "creators": [{"name": "Vaswani, Ashish", "givenName": "Ashish", "familyName": "Vaswani"},
                 {"name": "Google Brain", "nameType": "Organizational"}],
    "publicationYear": 2017}}}
REPO = {"id": 1, "full_name": "karpathy/nanoGPT", "owner": {"login": "karpathy"},
        "description": "The simplest, fastest repository", "created_at": "2022-12-28T00:51:12Z"}


def test_doi_forms() -> None:
    assert doi_of("https://doi.org/10.1038/nature14539") == "10.1038/nature14539"
    assert doi_of("doi:10.48550/arXiv.1706.03762") == "10.48550/arXiv.1706.03762"
    assert doi_of("https://example.com/10.1/x") is None
    assert is_datacite("10.48550/arXiv.1706.03762") and not is_datacite("10.1038/nature14539")


def test_crossref_and_datacite() -> None:
    assert parse_crossref(json.dumps(CROSSREF), "10.1038/nature14539") == Metadata(
        "Deep learning", ("Yann LeCun", "Yoshua Bengio", "The Consortium"), 2015, "paper",
        "https://doi.org/10.1038/nature14539")
    assert parse_datacite(json.dumps(DATACITE), "10.48550/arxiv.1706.03762") == Metadata(
        "Attention Is All You Need", ("Ashish Vaswani", "Google Brain"), 2017, "paper",
        "https://doi.org/10.48550/arxiv.1706.03762")
    for bad in ("{not json", json.dumps({"message": {}}), json.dumps([1])):
        assert isinstance(parse_crossref(bad, "10.1/x"), LookupFailure)
        assert isinstance(parse_datacite(bad, "10.1/x"), LookupFailure)


def test_github_repo() -> None:
    assert repo_of("https://github.com/karpathy/nanoGPT") == ("karpathy", "nanoGPT")
    assert repo_of("https://github.com/karpathy/nanoGPT.git") == ("karpathy", "nanoGPT")
    assert repo_of("https://github.com/karpathy/nanoGPT/issues/1") is None
    result = parse_repo(json.dumps(REPO), "karpathy", "nanoGPT")
    assert result == (Metadata("karpathy/nanoGPT", ("karpathy",), 2022, "repo",
                               "https://github.com/karpathy/nanoGPT"), "The simplest, fastest repository")
    assert isinstance(parse_repo("<html>", "a", "b"), LookupFailure)


def test_youtube_oembed() -> None:
    url = "https://www.youtube.com/watch?v=kCc8FmEb1nY"
    assert is_youtube(url) and is_youtube("https://youtu.be/kCc8FmEb1nY") and not is_youtube("https://x.org")
    answer = {"title": "Let's build GPT: from scratch", "author_name": "Andrej Karpathy", "type": "video",
              "provider_name": "YouTube", "version": "1.0"}
    assert parse_oembed(json.dumps(answer), url) == Metadata(
        "Let's build GPT: from scratch", ("Andrej Karpathy",), None, "video", url)
    assert isinstance(parse_oembed('{"title": ""}', url), LookupFailure)
    assert isinstance(parse_oembed("nope", url), LookupFailure)
