import pytest

from llmnotes.urls import Urls, output_file


@pytest.mark.parametrize(
    "target, page, expected",
    [
        ("", "", "./"),
        ("", "notes/a/", "../../"),
        ("notes/a/", "", "notes/a/"),
        ("notes/a/", "notes/a/", "../../notes/a/"),
        ("topics/x/", "notes/a/b/", "../../../topics/x/"),
        ("static/style.css", "notes/a/", "../../static/style.css"),
        ("feed.xml", "topics/", "../feed.xml"),
        ("assets/my pic.png", "notes/a/", "../../assets/my%20pic.png"),
        ("notes/a/", "404.html", "notes/a/"),
    ],
)
def test_relative_urls(target: str, page: str, expected: str) -> None:
    assert Urls("/").relative(target, page) == expected


def test_absolute_and_rooted_urls_follow_the_base() -> None:
    urls = Urls("https://example.org/sub/")
    assert urls.absolute("notes/a/") == "https://example.org/sub/notes/a/"
    assert urls.rooted("static/style.css") == "/sub/static/style.css"
    assert urls.for_page("404.html", rooted=True).note("x", "h") == "/sub/notes/x/#h"
    assert Urls("/").rooted("") == "/"


def test_output_files() -> None:
    assert output_file("") == "index.html"
    assert output_file("notes/a/") == "notes/a/index.html"
    assert output_file("feed.xml") == "feed.xml"
