"""Which source answers for a URL, and the lookup itself: arXiv, DOI (Crossref, else DataCite),
GitHub, YouTube, else the page's own HTML."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from llmnotes.sources import LookupFailure, Metadata
from llmnotes.sources.arxiv import arxiv_id, parse_feed
from llmnotes.sources.doi import doi_of, is_datacite, parse_crossref, parse_datacite
from llmnotes.sources.fetch import Fetcher
from llmnotes.sources.github import parse_repo, repo_of
from llmnotes.sources.html import parse_page
from llmnotes.sources.youtube import is_youtube, parse_oembed


@dataclass(frozen=True)
class Found:
    metadata: Metadata
    hint: str = ""  # e.g. a repository's description, shown by `add --dry-run` only


async def lookup(url: str, fetcher: Fetcher) -> Found | LookupFailure:
    urls = fetcher.settings.urls
    ident = arxiv_id(url)
    if ident:
        text = await fetcher.get("arxiv", f"{urls['arxiv']}?{urlencode({'id_list': ident})}", f"arXiv:{ident}")
        result = text if isinstance(text, LookupFailure) else parse_feed(text, ident)
        return result if isinstance(result, LookupFailure) else Found(result)
    doi = doi_of(url)
    if doi:
        return await _doi(doi, fetcher)
    repo = repo_of(url)
    if repo:
        owner, name = repo
        text = await fetcher.get("github", f"{urls['github']}/repos/{quote(owner)}/{quote(name)}",
                                 f"GitHub repository {owner}/{name}", not_found="no such repository")
        parsed = text if isinstance(text, LookupFailure) else parse_repo(text, owner, name)
        return parsed if isinstance(parsed, LookupFailure) else Found(*parsed)
    if is_youtube(url):
        text = await fetcher.get("youtube_oembed", f"{urls['youtube_oembed']}?{urlencode({'url': url, 'format': 'json'})}",
                                 f"YouTube video {url}")
        video = text if isinstance(text, LookupFailure) else parse_oembed(text, url)
        return video if isinstance(video, LookupFailure) else Found(video)
    text = await fetcher.get("page", url, url)
    page = text if isinstance(text, LookupFailure) else parse_page(text, url)
    return page if isinstance(page, LookupFailure) else Found(page)


async def _doi(doi: str, fetcher: Fetcher) -> Found | LookupFailure:
    urls = fetcher.settings.urls
    what = f"doi:{doi}"
    datacite_url = f"{urls['datacite']}/{quote(doi, safe='/')}"
    if not is_datacite(doi):
        text = await fetcher.get("crossref", f"{urls['crossref']}/{quote(doi, safe='/')}", what)
        if not isinstance(text, LookupFailure):
            work = parse_crossref(text, doi)
            return work if isinstance(work, LookupFailure) else Found(work)
        if "HTTP 404" not in text.reason:
            return text
    text = await fetcher.get("datacite", datacite_url, what, not_found="neither Crossref nor DataCite knows this DOI")
    record = text if isinstance(text, LookupFailure) else parse_datacite(text, doi)
    return record if isinstance(record, LookupFailure) else Found(record)
