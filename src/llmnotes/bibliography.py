"""The annotated bibliography as output: `resources.bib`, `resources.json` (CSL-JSON) and `resources.ris`.

Reference managers read these three formats; writing them by hand keeps the build free of a runtime
dependency (the tests prove the output with bibtexparser, citeproc-py and rispy). Every resource gets
one entry with a citation key made from the resource alone (first author's family name, year, first
significant title word), so a key does not move when unrelated resources come and go, and the same
key names the entry in all three files.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from llmnotes import urls
from llmnotes.buildcache import digest
from llmnotes.emit import Context, Keep, Page
from llmnotes.graph import Resource, Site

ET_AL = {"et al.", "et al", "others"}
_STOPWORDS = frozenset(
    "a an the on of in for and or to with is are from towards toward via at by as into what how why when "
    "do does can its it this that we you your our".split()
)
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/([^?#]+?)(?:v\d+)?(?:\.pdf)?/?(?:[?#].*)?$", re.IGNORECASE)

# kind → (BibTeX type, howpublished label, CSL type, RIS TY)
_TYPES: dict[str, tuple[str, str, str, str]] = {
    "paper": ("article", "", "article", "JOUR"),
    "book": ("book", "", "book", "BOOK"),
    "article": ("misc", "Article", "post-weblog", "ELEC"),
    "site": ("misc", "Website", "webpage", "ELEC"),
    "thread": ("misc", "Discussion thread", "webpage", "ELEC"),
    "course": ("misc", "Course", "webpage", "ELEC"),
    "repo": ("misc", "Code repository", "software", "COMP"),
    "tool": ("misc", "Software", "software", "COMP"),
    "video": ("misc", "Video", "motion_picture", "VIDEO"),
    "talk": ("misc", "Talk", "speech", "VIDEO"),
    "dataset": ("misc", "Dataset", "dataset", "DATA"),
}
_LINK = ("misc", "Web page", "webpage", "ELEC")


@dataclass(frozen=True)
class Entry:
    """What the three formats say about one resource, worked out once."""

    key: str
    resource: Resource
    authors: tuple[str, ...]  # without the "et al." marker
    others: bool  # the list ended with "et al."
    annotation: str
    cited_in: tuple[str, ...]  # URLs (or site paths) of the citing notes
    arxiv: str | None


_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def _ascii(text: str) -> str:
    if text.isascii():  # most titles and names: the same letters, without decomposing each one
        return _NOT_ALNUM.sub("", text).lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalnum()).lower()


def family_name(author: str) -> str:
    """"Vaswani, Ashish" and "Ashish Vaswani" both give "Vaswani"."""
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    return author.split()[-1] if author.split() else author


def split_name(author: str) -> tuple[str, str]:
    """(family, given) as reference managers want them."""
    author = author.strip()
    if "," in author:
        family, given = author.split(",", 1)
        return family.strip(), given.strip()
    parts = author.split()
    return (parts[-1], " ".join(parts[:-1])) if parts else (author, "")


_TITLE_WORDS = re.compile(r"[\s\-–—/:]+")


def base_key(resource: Resource) -> str:
    """The key before collisions: family name + year + first significant title word, ASCII lowercase."""
    authors = [a for a in resource.authors if a.strip().lower() not in ET_AL]
    who = _ascii(family_name(authors[0])) if authors else ""
    return (who or "anon") + (str(resource.year) if resource.year else "") + (_key_word(resource.title)[:20] or "untitled")


def _key_word(title: str) -> str:
    """The first significant title word that starts with a letter ("2 OLMo 2 Furious" → "olmo"),
    else the first significant one, else the first at all. Words are made ASCII only until it is
    found: 18,000 titles are keyed on every build, and the word is nearly always the first or second."""
    first = significant = ""
    for raw in _TITLE_WORDS.split(title):
        word = _ascii(raw)
        if not word:
            continue
        first = first or word
        if word in _STOPWORDS:
            continue
        if word[0].isalpha():
            return word
        significant = significant or word
    return significant or first


def citation_keys(site: Site) -> dict[str, str]:
    """Resource id → citation key. Colliding resources are ordered by their URL key: the first keeps
    the plain key, the next get b, c, …, so adding a resource with another key changes nothing."""
    groups: dict[str, list[Resource]] = defaultdict(list)
    for resource in site.resources.values():
        groups[base_key(resource)].append(resource)
    keys: dict[str, str] = {}
    taken = set(groups)
    for base in sorted(groups):
        for n, resource in enumerate(sorted(groups[base], key=lambda r: (r.key, r.id))):
            key = base
            if n:
                key = base + (chr(ord("a") + n) if n < 26 else str(n))
                while key in taken:
                    key += "x"
                taken.add(key)
            keys[resource.id] = key
    return keys


def _annotation(site: Site, resource: Resource) -> str:
    said = [(site.notes[c.note].title if c.note in site.notes else c.note, c.annotation.strip()) for c in resource.citations]
    said = [(title, text) for title, text in said if text]
    if len(said) == 1:  # one note said something: its words alone
        return said[0][1]
    return "\n\n".join(f"{title}: {text}" for title, text in said)


def entry_of(site: Site, resource: Resource, key: str, base_url: str) -> Entry:
    """One resource's entry. What it says besides `key`: the resource, and the titles and URLs
    of the notes that cite it (see `entry_inputs`)."""
    authors = tuple(a for a in resource.authors if a.strip().lower() not in ET_AL)
    others = len(authors) < len(resource.authors)
    match = _ARXIV.search(resource.url)
    links = urls.Urls(base_url)
    absolute = base_url.startswith(("http://", "https://"))
    cited = tuple(links.absolute(urls.note_path(c.note)) if absolute else urls.note_path(c.note) for c in resource.citations)
    return Entry(key, resource, authors, others, _annotation(site, resource), cited, match.group(1) if match else None)


def entry_inputs(site: Site, resource: Resource, key: str) -> str:
    """What one entry is made of beyond the resource itself and the base URL: its key and the
    titles of the notes that cite it. A page fingerprint with these and the resource needs no
    entry worked out (the site's entries take a second at 18,000 resources). `emit` gathers the
    same for all entries at once: what one is made of, so are they."""
    notes = site.notes
    return "\x1e".join([key, *[notes[c.note].title if c.note in notes else c.note for c in resource.citations]])


# -- BibTeX ------------------------------------------------------------------------------------

_BIB_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIB_SPECIAL = re.compile(r"[\\{}%&#_$~^]")


def bib_escape(text: str) -> str:
    """Text as a BibTeX field value between braces: every special character escaped, Unicode kept."""
    return _BIB_SPECIAL.sub(lambda m: _BIB_ESCAPES[m.group()], text)


def _bib_url(url: str) -> str:
    """A URL in a `url` field is read verbatim (`%`, `#`, `_` as they are, as Zotero writes them):
    only the characters that would break the braces are percent-encoded, which means the same URL."""
    return re.sub(r"[{}\\]", lambda m: "%" + format(ord(m.group()), "02X"), url)


def bibtex_entry(entry: Entry) -> str:
    r = entry.resource
    bibtype, howpublished, _, _ = _TYPES.get(r.kind or "", _LINK)
    fields: list[tuple[str, str]] = []
    if entry.authors:
        # a name with " and " in it (an organisation) is braced, so BibTeX reads it as one name
        names = [f"{{{bib_escape(a)}}}" if " and " in f" {a.lower()} " else bib_escape(a) for a in entry.authors]
        names += ["others"] if entry.others else []
        fields.append(("author", " and ".join(names)))
    fields.append(("title", "{" + bib_escape(r.title) + "}"))  # double braces: keep the author's capitals
    if r.year:
        fields.append(("year", str(r.year)))
    if r.kind == "paper" and entry.arxiv:
        bibtype = "misc"
        fields += [("eprint", bib_escape(entry.arxiv)), ("archivePrefix", "arXiv")]
    if howpublished:
        fields.append(("howpublished", howpublished))
    fields.append(("url", _bib_url(r.url)))
    if entry.annotation:
        fields.append(("annote", bib_escape(entry.annotation)))
    if entry.cited_in:
        fields.append(("citedin", bib_escape(", ".join(entry.cited_in))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{bibtype}{{{entry.key},\n{body}\n}}\n"


# -- CSL-JSON ------------------------------------------------------------------------------------


def csl_item(entry: Entry) -> dict[str, object]:
    r = entry.resource
    _, _, csltype, _ = _TYPES.get(r.kind or "", _LINK)
    item: dict[str, object] = {"id": entry.key, "type": csltype, "title": r.title}
    if entry.authors:
        item["author"] = [{"family": f, "given": g} if g else {"literal": f} for f, g in map(split_name, entry.authors)]
    if r.year:
        item["issued"] = {"date-parts": [[r.year]]}
    if entry.arxiv:
        item["number"] = f"arXiv:{entry.arxiv}"
        item["publisher"] = "arXiv"
    item["URL"] = r.url
    if entry.annotation:
        item["note"] = entry.annotation
    if entry.cited_in:
        item["references"] = ", ".join(entry.cited_in)
    return item


# -- RIS ------------------------------------------------------------------------------------------


def ris_entry(entry: Entry) -> str:
    r = entry.resource
    _, _, _, ty = _TYPES.get(r.kind or "", _LINK)
    lines = [("TY", ty), ("ID", entry.key), ("TI", r.title)]
    lines += [("AU", f"{f}, {g}" if g else f) for f, g in map(split_name, entry.authors)]
    if r.year:
        lines.append(("PY", str(r.year)))
    lines.append(("UR", r.url))
    if entry.annotation:
        lines.append(("N1", entry.annotation))
    if entry.cited_in:  # a custom field, so N1 is the annotation alone
        lines.append(("C1", "Cited in: " + ", ".join(entry.cited_in)))
    text = "".join(f"{tag}  - {' '.join(value.split())}\n" for tag, value in lines)  # one line per tag
    return text + "ER  - \n"


# -- the emitter ------------------------------------------------------------------------------------


# The last site's citation keys: the renderer (the Cite blocks and page fingerprints) and the
# emitter (the three files) both need them in one build. Kept by identity, so a new build (a new
# Site) never sees the last one's.
_last: tuple[Site, dict[str, str]] | None = None


def keys_of(site: Site) -> dict[str, str]:
    """`citation_keys`, worked out once per site."""
    global _last
    if _last is None or _last[0] is not site:
        _last = (site, citation_keys(site))
    return _last[1]


def known_keys(site: Site, keys: dict[str, str]) -> None:
    """Take `keys` as the citation keys of `site`, instead of working them out (a third of a
    second at 18,000 resources): for a caller that knows them to be those `citation_keys` gives,
    as `pageplan` does when the same resources have the same keys before collisions."""
    global _last
    _last = (site, keys)


def bibtex_of(site: Site, base_url: str, rid: str) -> str:
    """One resource's BibTeX entry, for its Cite block: only that entry is worked out."""
    return bibtex_entry(entry_of(site, site.resources[rid], keys_of(site)[rid], base_url))


def csl_json(items: list[dict[str, object]]) -> str:
    """A JSON array with one item per line: a diff between two builds shows the entries that
    changed, at a third of the size of an indented file (20 MB at 18,000 resources)."""
    lines = [json.dumps(item, ensure_ascii=False, separators=(",", ":")) for item in items]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


FILES = ("resources.bib", "resources.json", "resources.ris")


def emit(ctx: Context) -> Iterator[Page | Keep]:
    """The three files, kept when no entry's inputs changed (an edit of a note's text, say)."""
    site, base_url = ctx.site, ctx.config.base_url
    keys = keys_of(site)
    digests = site.resource_digests
    # What `entry_inputs` gives for each entry, gathered for all at once: the titles of the notes
    # that cite anything, each once, rather than of each citation (92,000 at 10,000 notes, a
    # tenth of a second of every edit), beside each resource's digest, which names its citing notes.
    titles = (f"{slug}\x1f{note.title}" for slug, note in site.notes.items() if site.note_resources.get(slug))
    parts = [ctx.inputs, "\x1e".join(titles), *(f"{rid}\x1f{digests[rid]}\x1f{keys[rid]}" for rid in site.resources)]
    fingerprint = digest("\x1d".join(parts).encode())
    if all(ctx.unchanged(path, fingerprint) for path in FILES):
        yield from (Keep(path) for path in FILES)
        return
    found = [entry_of(site, r, keys[rid], base_url) for rid, r in site.resources.items()]
    bib = "\n".join(bibtex_entry(e) for e in found)
    csl = csl_json([csl_item(e) for e in found])
    ris = "\n".join(ris_entry(e) for e in found)
    for path, text in zip(FILES, (bib, csl, ris), strict=True):
        yield Page(path, text.encode("utf-8"), fingerprint)
