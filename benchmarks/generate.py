"""Deterministic synthetic reading lists for benchmarks: the same content as llmnotes and as Hugo.

    python benchmarks/generate.py 10000 benchmarks/corpus/10000

writes `notes/` (an llmnotes site) and `hugo/` (a Hugo site with the same pages: front-matter links,
body, topics as a taxonomy) under the target folder. Same N, same seed ⇒ same bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

WORDS = (
    "model attention token layer training data scale loss gradient transformer embedding context "
    "window parameter inference latency benchmark evaluation prompt reasoning alignment reward policy "
    "dataset corpus vocabulary sampling temperature decoding beam search memory bandwidth compute "
    "cluster accelerator quantization sparsity distillation fine-tuning adapter rank head circuit "
    "feature neuron probe interpretability safety robustness hallucination retrieval agent tool "
    "the a of and to in is that for on with as by this it from be are was which an or we can not"
).split()
KINDS = ("paper", "article", "video", "course", "book", "repo", "tool", "talk", "dataset", "site")
HOSTS = ("arxiv.org", "example.org", "blog.example.com", "youtube.com", "github.com", "papers.example.net")
TOPICS = [f"topic-{i:02d}" for i in range(40)]

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Synthetic reading list"
disableKinds = ["RSS"]
[taxonomies]
  topic = "topics"
[markup.goldmark.renderer]
  unsafe = false
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
    '<link rel="stylesheet" href="{{ "style.css" | relURL }}"></head><body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>'
    '</header><main>{{ block "main" . }}{{ end }}</main></body></html>\n',
    "_default/single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>{{ .Content }}'
    "<h2>Resources</h2><ul>{{ range .Params.links }}<li><a href=\"{{ .url }}\">{{ .title }}</a> {{ .kind }} {{ .year }}"
    "<p>{{ .note }}</p></li>{{ end }}</ul>"
    "<ul>{{ range .GetTerms \"topics\" }}<li><a href=\"{{ .RelPermalink }}\">{{ .LinkTitle }}</a></li>{{ end }}</ul>"
    "</article>{{ end }}\n",
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">'
    "{{ .Title }}</a> {{ .Params.summary }}</li>{{ end }}</ul>{{ end }}\n",
    "index.html": '{{ define "main" }}<h1>{{ site.Title }}</h1><ul>{{ range first 10 site.RegularPages }}<li>'
    '<a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n',
}


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def make_note(i: int, n: int, rng: random.Random) -> dict:
    slug = f"note-{i:05d}"
    links = []
    for r in rng.sample(range(n * 2), rng.randint(3, 8)):  # a shared pool: works cited by several notes
        host = HOSTS[r % len(HOSTS)]
        url = f"https://arxiv.org/abs/{2000 + r % 400:04d}.{r:05d}" if host == "arxiv.org" else f"https://{host}/item/{r}"
        links.append({
            "url": url,
            "title": f"Resource {r}: " + " ".join(rng.choice(WORDS) for _ in range(4)),
            "kind": KINDS[r % len(KINDS)],
            "year": 1990 + r % 35,
            "authors": [f"Author {r % 997}", f"Author {(r * 7) % 991}"],
            "note": sentence(rng, rng.randint(12, 30)),
        })
    paragraphs = []
    words = rng.randint(300, 600)
    while words > 0:
        k = min(words, rng.randint(40, 90))
        text = sentence(rng, k)
        if i > 0 and rng.random() < 0.7:
            target = f"note-{rng.randrange(n):05d}"
            text += f" See [[{target}]] for more."
        if rng.random() < 0.5:
            link = rng.choice(links)
            text += f" The [source]({link['url']}) explains it."
        paragraphs.append(text)
        words -= k
    body = "\n\n".join(paragraphs)
    sections = body.split("\n\n")
    body = "## Overview\n\n" + "\n\n".join(sections[: len(sections) // 2]) + "\n\n## Details\n\n" + "\n\n".join(sections[len(sections) // 2 :])
    return {
        "slug": slug,
        "title": f"Note {i}: " + " ".join(rng.choice(WORDS) for _ in range(3)),
        "summary": sentence(rng, 12),
        "topics": sorted(rng.sample(TOPICS, rng.randint(1, 3))),
        "date": f"20{20 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "after": [f"note-{i - 1 - rng.randrange(min(i, 5)):05d}"] if i > 0 and rng.random() < 0.3 else [],
        "links": links,
        "body": body,
    }


def yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def front_matter(note: dict, hugo: bool) -> str:
    lines = ["---", f"title: {yaml_str(note['title'])}", f"summary: {yaml_str(note['summary'])}",
             f"topics: [{', '.join(note['topics'])}]", f"date: {note['date']}"]
    if note["after"] and not hugo:
        lines.append(f"after: [{', '.join(note['after'])}]")
    lines.append("links:")
    for link in note["links"]:
        lines += [f"  - url: {link['url']}", f"    title: {yaml_str(link['title'])}", f"    kind: {link['kind']}",
                  f"    year: {link['year']}", f"    authors: [{', '.join(link['authors'])}]", f"    note: {yaml_str(link['note'])}"]
    lines.append("---")
    return "\n".join(lines) + "\n"


def to_hugo_body(body: str) -> str:
    import re

    return re.sub(r"\[\[(note-\d+)\]\]", r"[\1](/notes/\1/)", body)


def generate(n: int, out: Path, seed: int = 2024) -> None:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    notes_dir = out / "notes"
    hugo = out / "hugo"
    (hugo / "content" / "notes").mkdir(parents=True)
    notes_dir.mkdir(parents=True)
    (notes_dir / "topics.yaml").write_text("".join(f"{t}:\n  title: Topic {t[-2:]}\n  description: Synthetic topic {t[-2:]}.\n" for t in TOPICS))
    for i in range(n):
        note = make_note(i, n, rng)
        (notes_dir / f"{note['slug']}.md").write_text(front_matter(note, hugo=False) + note["body"] + "\n")
        (hugo / "content" / "notes" / f"{note['slug']}.md").write_text(front_matter(note, hugo=True) + to_hugo_body(note["body"]) + "\n")
    (hugo / "hugo.toml").write_text(HUGO_CONFIG)
    for rel, text in HUGO_LAYOUTS.items():
        path = hugo / "layouts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (hugo / "static").mkdir()
    (hugo / "static" / "style.css").write_text("body { font-family: sans-serif; }\n")
    (out / "llmnotes.toml").write_text('title = "Synthetic reading list"\nbase_url = "https://example.org/"\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of notes")
    parser.add_argument("out", type=Path, help="folder to (re)create")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    generate(args.n, args.out, args.seed)


if __name__ == "__main__":
    main()
