"""Check every internal link of the built documentation site: each ``href``/``src`` that stays within the
site must name a file that exists and, with a ``#fragment``, an ``id`` (or ``name``) in that file.

``make docs`` runs it after Sphinx: ``python docs/check_links.py build/docs/html``. Exits 1 and lists each
broken link (page, link, what is missing). Links to other sites are not fetched (no network is needed).
"""

from __future__ import annotations

import argparse
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src"}


class Page(HTMLParser):
    """The anchors a page defines and the links it makes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag in ("a", "span") else ("id",):
            if values.get(name):
                self.anchors.add(str(values[name]))
        link = values.get(LINK_ATTRIBUTES.get(tag, ""))
        if link:
            self.links.append(link)


def internal(link: str) -> bool:
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc and not link.startswith(("mailto:", "javascript:", "data:"))


def broken_links(site: Path) -> list[str]:
    """``page: link (why)`` for every internal link of ``site`` that does not resolve."""
    pages: dict[Path, Page] = {}
    for path in sorted(site.rglob("*.html")):
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path.resolve()] = page
    problems = []
    for path, page in pages.items():
        for link in page.links:
            if not internal(link):
                continue
            parts = urlsplit(link)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            where = path.relative_to(site.resolve())
            if not target.is_file():
                problems.append(f"{where}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                anchors = pages[target].anchors if target in pages else set()
                if unquote(parts.fragment) not in anchors:
                    problems.append(f"{where}: {link} (no anchor #{unquote(parts.fragment)} in "
                                    f"{target.relative_to(site.resolve())})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built HTML site, e.g. build/docs/html")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site} has no index.html: build the site first (make docs)", file=sys.stderr)
        return 2
    problems = broken_links(args.site)
    for problem in problems:
        print(problem, file=sys.stderr)
    pages = sum(1 for _ in args.site.rglob("*.html"))
    print(f"{len(problems)} broken internal links in {pages} pages of {args.site}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
