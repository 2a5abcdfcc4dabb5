from hypothesis import given
from hypothesis import strategies as st

from llmnotes.normalize import fetch_key, resource_id, slugify, url_key


def test_arxiv_forms_of_one_paper_share_a_key() -> None:
    forms = [
        "https://arxiv.org/abs/2106.09685",
        "http://arxiv.org/abs/2106.09685v2",
        "https://arxiv.org/pdf/2106.09685",
        "https://arxiv.org/pdf/2106.09685v1.pdf",
        "https://www.arxiv.org/abs/2106.09685/",
        "https://export.arxiv.org/abs/2106.09685#section",
    ]
    assert {url_key(f) for f in forms} == {"https://arxiv.org/abs/2106.09685"}
    assert url_key("https://arxiv.org/abs/2106.09686") != url_key(forms[0])


def test_scheme_host_port_fragment_and_encoding_are_normalised() -> None:
    assert url_key("HTTPS://Example.ORG:443/a/b/#frag") == "https://example.org/a/b"
    assert url_key("http://example.org:80") == "https://example.org/"
    assert url_key("https://example.org:8443/x") == "https://example.org:8443/x"
    assert url_key("https://example.org/%7euser/a%2fb") == "https://example.org/~user/a%2Fb"
    assert url_key("https://example.org/p?q=1&r=2") == "https://example.org/p?q=1&r=2"
    assert url_key("https://example.org/p?q=1") != url_key("https://example.org/p?q=2")


def test_resource_ids_are_readable_and_stable() -> None:
    rid = resource_id("https://arxiv.org/abs/1706.03762", "Attention Is All You Need")
    assert rid.startswith("attention-is-all-you-need-") and rid == resource_id("https://arxiv.org/abs/1706.03762", "Attention Is All You Need")
    assert slugify("Ünïcode — and ../../etc/passwd!") == "unicode-and-etc-passwd"
    assert slugify("!!!") == "resource"


@given(st.sampled_from(["http", "https", "HTTP", "ftp"]), st.sampled_from(["e.org", "E.org", "e.org:80", "e.org:443", "e.org:8080", "e.org:080", "e.org:99999", "u@e.org", "e.org.", "xn--bcher-kva.ch"]),
       st.text(alphabet="/aZ%20?&=#.:@;+~!$'()*,", max_size=12))
def test_fetch_key_fast_path_agrees_with_the_full_one(scheme: str, host: str, rest: str) -> None:
    from llmnotes.normalize import _fetch_key

    url = f"{scheme}://{host}{rest}"
    assert fetch_key(url) == _fetch_key(url)


@given(st.text(alphabet="ab#?/:%\t\n\r \x01é", max_size=30))
def test_the_fragment_shortcut_agrees_with_urlsplit(rest: str) -> None:
    from urllib.parse import urlsplit

    from llmnotes.links.extract import fragment_of

    url = "https://e.org/" + rest
    assert fragment_of(url) == urlsplit(url).fragment


@given(st.sampled_from(["http", "https", "HTTP", "ftp"]), st.sampled_from(["e.org", "E.org", "e.org:80", "e.org:8080", "e.org:99999", "u@e.org", "u:p@e.org", "[::1]", "[::1]:8080", "e.org.", "127.0.0.1:8765"]),
       st.text(alphabet="ab/?#:@%", max_size=12))
def test_the_host_shortcut_agrees_with_urlsplit(scheme: str, host: str, rest: str) -> None:
    from urllib.parse import urlsplit

    from llmnotes.normalize import host_of

    url = f"{scheme}://{host}/{rest}"
    try:
        expected = (urlsplit(url).hostname or "").lower()
    except ValueError:  # a URL urlsplit refuses (a bad bracket): the shortcut must not take it either
        expected = None
    try:
        found = host_of(url)
    except ValueError:
        found = None
    assert found == expected


def test_links_carry_their_url_key_through_replace_and_the_build_cache() -> None:
    """The graph groups links by the key worked out when the note was parsed: it must follow the
    URL when a link is remade, and come back from the cache's pickles as it went in."""
    import pickle

    from llmnotes.model import BodyLink, LinkEntry, Place

    place = Place("notes/a.md", 3, 5)
    entry = LinkEntry("http://ArXiv.org/pdf/1706.03762v7", "Attention", place)
    body = BodyLink("https://Example.com/a/", "a", place)
    assert entry.key == url_key(entry.url) == "https://arxiv.org/abs/1706.03762"
    assert body.key == "https://example.com/a"
    moved = entry._replace(url="https://example.org/x")
    assert moved.key == "https://example.org/x"
    assert pickle.loads(pickle.dumps(entry)).key == entry.key
    assert entry == entry._replace() and entry._replace(title="T").key == entry.key
