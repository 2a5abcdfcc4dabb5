"""The Cite control in a real browser: with JavaScript a button copies the BibTeX entry, without it
a link reaches the resource page's BibTeX block. Uses the fixtures of test_browser.py."""

from __future__ import annotations

import pytest

from test_browser import AXE, _missing, browser, page, server, site  # noqa: F401  (pytest fixtures)


def test_cite_button_copies_the_bibtex_entry(browser, server) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()  # noqa: F811
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "notes/transformer-explained/")
    button = page.locator("li.resource button.cite").first
    assert button.inner_text() == "Cite" and page.locator("li.resource a.cite").count() == 0
    box = "b => { const r = b.getBoundingClientRect(); return [r.left, r.top + window.scrollY, r.width, r.height]; }"
    before = button.evaluate(box)
    button.click()
    page.wait_for_function("document.querySelector('li.resource button.cite').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("@") and "url = {" in copied and copied.rstrip().endswith("}")
    title = page.locator("li.resource .resource-title a").first.inner_text()
    assert "title = {{" in copied and title.split()[0] in copied
    assert page.locator("[role=status]").filter(has_text="copied").count() == 1  # announced
    assert button.evaluate(box) == before  # "Copied" fits the room "Cite" had: nothing moves
    # the same entry as the site's resources.bib
    bib = page.evaluate("fetch('../../resources.bib').then(r => r.text())")
    assert copied in bib
    page.wait_for_function("document.querySelector('li.resource button.cite').textContent === 'Cite'", timeout=5000)
    assert errors == []
    context.close()


def test_without_script_the_cite_link_reaches_the_bibtex_block(browser, server) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()  # noqa: F811
    page.goto(server + "notes/transformer-explained/")
    link = page.locator("li.resource a.cite").first
    assert link.inner_text() == "Cite"
    assert link.get_attribute("data-bibtex") is None  # the entry lives on the resource page only
    cited = page.locator("li.resource .resource-title a").first.get_attribute("href")
    link.click()
    page.wait_for_url("**/resources/*/#cite")
    block = page.locator("#cite")
    assert block.evaluate("d => d.tagName") == "DETAILS"
    if not block.evaluate("d => d.open"):  # browsers open a <details> navigated to; else one click
        page.locator("#cite summary").click()
    pre = page.locator("#cite pre")
    assert pre.is_visible() and f"url = {{{cited}}}" in pre.inner_text()
    assert pre.evaluate("p => p.getBoundingClientRect().top < window.innerHeight")  # scrolled into view
    context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violations_on_a_resource_page_with_its_bibtex_open(page, server, theme: str) -> None:  # noqa: F811
    if not AXE.exists():
        _missing("axe-core is not installed (npm install)")
    page.emulate_media(color_scheme=theme)
    page.goto(server + "notes/transformer-explained/")
    href = page.locator("li.resource .resource-links a[href*='resources/']").first.get_attribute("href")
    page.goto(server + "notes/transformer-explained/" + href)
    page.locator("#cite summary").click()
    page.locator("button.cite").first.wait_for()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    problems = [f"{v['id']}: {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3]) for v in result["violations"]]
    assert problems == [], "\n".join(problems)
    assert page.errors == []


def test_cite_button_on_a_resource_page_copies_the_entry_shown_there(browser, server) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()  # noqa: F811
    page.goto(server + "notes/transformer-explained/")
    href = page.locator("li.resource .resource-links a[href*='resources/']").first.get_attribute("href")
    page.goto(server + "notes/transformer-explained/" + href)
    page.locator(".visit button.cite").click()
    page.wait_for_function("document.querySelector('.visit button.cite').textContent === 'Copied'")
    shown = page.locator("#cite pre").text_content()
    assert shown.startswith("@") and page.evaluate("navigator.clipboard.readText()") == shown
    context.close()
