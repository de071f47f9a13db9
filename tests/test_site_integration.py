"""The site side (``[integration]``, smmgen.build.integration): `smmgen init` writes the partial or include and the
table, `smmgen build` writes every article's tags as data and copies the cards where `cards_base_url` serves them,
and the real `hugo` and `jekyll` render the tags into the pages, which are parsed and checked against the manifest.
Every site is a copy in a temporary folder; tests/sites is never written."""

from __future__ import annotations

import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fixture_sites import set_up
from test_init import generate, require, smmgen, write

from smmgen.build.og import og_html, og_tags, og_values
from smmgen.config.site import load_site
from smmgen.manifest import joined as joined_manifest

HEAD = {"hugo": '{{ partial "smmgen/og.html" . }}', "jekyll": "{% include smmgen-og.html %}"}
HOSTILE = 'Say "no" to <script>alert(1)</script> & \'tabs\' — {{ .Title }} {% raw %} 🚨👩‍👩‍👧 &amp;'


class Tags(html.parser.HTMLParser):
    """The meta and canonical link tags of a page, by name, as a browser's parser reads them (entities
    decoded); ``repeated`` has a name seen twice."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, str] = {}
        self.repeated: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("property" in a or "name" in a):
            name, value = a.get("property") or a.get("name"), a.get("content")
        elif tag == "link" and a.get("rel") == "canonical":
            name, value = "canonical", a.get("href")
        else:
            return
        if name in self.tags:
            self.repeated.append(name)
        self.tags[name] = value


def tags_of(path: Path) -> dict[str, str]:
    parsed = Tags(path.read_text(encoding="utf-8"))
    assert not parsed.repeated, (path, parsed.repeated)
    return parsed.tags


def add_head_line(root: Path, generator: str) -> None:
    """The one line a site owner adds to their <head> template."""
    if generator == "hugo":
        for name in ("single.html", "list.html"):
            layout = root / "layouts" / "_default" / name
            layout.write_text(f"<head>{HEAD['hugo']}</head>\n" + layout.read_text(encoding="utf-8"),
                              encoding="utf-8")
    else:
        layout = root / "_layouts" / "default.html"
        text = layout.read_text(encoding="utf-8").replace("</title>", "</title>\n" + HEAD["jekyll"])
        layout.write_text(text, encoding="utf-8")


def build_ok(root: Path, *args: str) -> subprocess.CompletedProcess:
    run = smmgen("build", *args, cwd=root)
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def page_for(url: str, base: str, out: Path) -> Path:
    path = urllib.parse.unquote(url.removeprefix(base)).lstrip("/")
    return out / path / "index.html" if path.endswith("/") or not path else out / path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def og_media(manifest: dict) -> dict[str, dict]:
    """Per article source, the og card its posts carry (the same for every platform that shows one)."""
    found: dict[str, dict] = {}
    for entry in manifest["entries"]:
        for media in entry["media"]:
            if media["target"] == "og":
                known = found.setdefault(entry["article"]["source"], media)
                assert (known["path"], known["url"]) == (media["path"], media["url"]), entry["id"]
    return found


GENERATED = {"hugo-multilingual": ("hugo", "static"), "jekyll-blog": ("jekyll", "")}


@pytest.fixture(scope="module", params=sorted(GENERATED))
def built(request, tmp_path_factory):
    """A fixture site set up by `smmgen init` (the one head line added), built by smmgen, then by the real
    generator into public/."""
    name = request.param
    generator, _ = GENERATED[name]
    require(generator)
    root = set_up(name, tmp_path_factory.mktemp(name))
    add_head_line(root, generator)
    build_ok(root)
    out = root.parent / "public"
    generate(generator, root, out)
    return name, generator, root, out


def test_init_writes_the_integration_table_and_the_partial(built):
    name, generator, root, _ = built
    site = load_site(root)
    assert site.integration["generator"] == generator
    base = site.base_url
    assert site.cards_base_url == f"{base}/social-cards"
    assert site.integration["cards_dir"] == ("static/social-cards" if generator == "hugo" else "social-cards")
    template = root / ("layouts/partials/smmgen/og.html" if generator == "hugo" else "_includes/smmgen-og.html")
    assert template.is_file()
    assert not (Path(__file__).parent / "sites" / name / "smmgen.toml").exists()


def test_every_article_page_carries_the_tags_the_manifest_agrees_with(built):
    name, generator, root, out = built
    site = load_site(root)
    manifest = joined_manifest(root / "output" / "manifest.json")
    cards = og_media(manifest)
    articles = {e["article"]["source"]: e["article"] for e in manifest["entries"]}
    assert len(articles) >= 5
    checked = 0
    for source, article in sorted(articles.items()):
        page = page_for(article["url"], site.base_url, out)
        if not page.is_file():
            continue                                # scheduled for later: Hugo does not build it yet
        tags = tags_of(page)
        media = cards[source]
        assert tags["canonical"] == tags["og:url"] == article["url"]
        assert tags["og:title"] == tags["twitter:title"] == article["title"]
        assert tags["og:image"] == tags["twitter:image"] == media["url"]
        assert (tags["og:image:width"], tags["og:image:height"]) == (str(media["width"]), str(media["height"]))
        assert tags["og:image:alt"] == tags["twitter:image:alt"] == media["alt"]
        assert tags["twitter:card"] == "summary_large_image"
        assert tags["og:type"] == "article" and tags["og:site_name"] == site.name
        assert tags["og:locale"] == article["lang"].replace("-", "_")
        # The card is published where its URL says, with the manifest's bytes.
        served = page_for(media["url"], site.base_url, out)
        assert sha(served) == media["sha256"], media["url"]
        # output/og/<key>.html is the same tag set.
        key = next(e["id"] for e in manifest["entries"] if e["article"]["source"] == source).rsplit("@", 1)[0]
        assert Tags((root / "output" / "og" / f"{key}.html").read_text(encoding="utf-8")).tags == tags
        checked += 1
    assert checked == len(articles) - (1 if name == "hugo-multilingual" else 0)


def test_a_page_without_data_renders_without_tags(built):
    name, _, _, out = built
    plain = [out / "index.html"]
    if name == "hugo-multilingual":
        plain += [out / "news" / "index.html", out / "de" / "index.html"]
    for page in plain:
        assert page.is_file(), page
        text = page.read_text(encoding="utf-8")
        assert "og:" not in text and "canonical" not in text, page


def test_every_card_is_in_the_published_folder_with_the_manifest_s_bytes(built):
    _, _, root, out = built
    site = load_site(root)
    manifest = joined_manifest(root / "output" / "manifest.json")
    media = {m["path"]: m for e in manifest["entries"] for m in e["media"]}
    assert media
    for path, m in media.items():
        assert m["url"] == f"{site.cards_base_url}/{path.removeprefix('cards/')}"
        assert sha(page_for(m["url"], site.base_url, out)) == m["sha256"]


def test_a_second_build_rewrites_nothing_and_gives_the_same_bytes(built, tmp_path):
    _, generator, root, _ = built
    site = load_site(root)
    record = json.loads((root / ".smmgen" / "site-files.json").read_text(encoding="utf-8"))["files"]
    assert site.integration["data_file"] in record
    before = {p: ((root / p).stat().st_mtime_ns, sha(root / p)) for p in record}
    build_ok(root)
    build_ok(root, "--no-cache")
    assert {p: ((root / p).stat().st_mtime_ns, sha(root / p)) for p in record} == before
    # Another copy of the site, built afresh, writes the same bytes.
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("output", ".smmgen", "static", "social-cards",
                                                              "_data", "data"))
    build_ok(copy)
    for p in record:
        assert (copy / p).read_bytes() == (root / p).read_bytes(), p
    assert (copy / ".smmgen" / "site-files.json").read_bytes() == (root / ".smmgen" / "site-files.json").read_bytes()


# --- hostile titles, translations and ugly URLs through the real generators ----------------------------------------

def hostile_hugo(tmp_path: Path, ugly: bool = False) -> Path:
    post = ("---\ntitle: {title}\ndate: 2026-03-0{day}T10:00:00+01:00\nsummary: {summary}\n{extra}---\n"
            "Body text.\n")
    title = json.dumps(HOSTILE, ensure_ascii=False)
    files = {
        "hugo.toml": 'baseURL = "https://hostile.example.org/"\ntitle = "Tom & <Jerry>"\ntimeZone = "UTC"\n'
                     'defaultContentLanguage = "en"\n' + ("uglyURLs = true\n" if ugly else "")
                     + '[languages.en]\nweight = 1\ncontentDir = "content/en"\n'
                     '[languages.de]\nweight = 2\ncontentDir = "content/de"\n'
                     '[permalinks]\nnews = "/:year/:month/:slug/"\n[params.social]\ntwitter = "hostile"\n',
        # One file name in both languages' folders: each page gets its own tags.
        "content/en/news/same.md": post.format(title=title, day=1, summary=json.dumps('"a" < b & c'), extra=""),
        "content/de/news/same.md": post.format(title=json.dumps('"Gänsefüßchen" & Co.'), day=2, summary="Zusammenfassung",
                                               extra=""),
        "content/en/news/_index.md": "---\ntitle: News\n---\n",
        "content/en/about.md": "---\ntitle: About <us>\n---\nNo date, no data.\n",
        "layouts/_default/single.html": f"<!doctype html><html><head>{HEAD['hugo']}</head><body>{{{{ .Title }}}}"
                                        "</body></html>\n",
        "layouts/_default/list.html": f"<!doctype html><html><head>{HEAD['hugo']}</head><body>list</body></html>\n",
    }
    if ugly:
        files["content/en/news/same.md"] = post.format(title=title, day=1, summary="s",
                                                       extra="url: /2026/03/hostile.html\n")
        files["content/de/news/same.md"] = post.format(title=json.dumps('"Gänsefüßchen" & Co.'), day=2, summary="s",
                                                       extra="url: /de/2026/03/gaense.html\n")
    root = write(tmp_path / "hugo", files)
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    text = (root / "smmgen.toml").read_text(encoding="utf-8")
    (root / "smmgen.toml").write_text(re.sub(r'^content_dir = "[^"]*"', 'content_dir = "content"', text,
                                             count=1, flags=re.M), encoding="utf-8")
    return root


def hostile_jekyll(tmp_path: Path) -> Path:
    return write(tmp_path / "jekyll", {
        "_config.yml": 'title: "Tom & <Jerry>"\nurl: https://hostile.example.net\npermalink: pretty\n'
                       "exclude: [smmgen.toml, output]\ntwitter:\n  username: hostile\n",
        "_posts/2026-03-01-hostile.md": f"---\ntitle: {json.dumps(HOSTILE, ensure_ascii=False)}\n"
                                        "summary: '\"a\" < b & c'\nlayout: default\n---\nBody text.\n",
        "_layouts/default.html": f"<!doctype html><html><head>{HEAD['jekyll']}</head><body>{{{{ content }}}}"
                                 "</body></html>\n",
        "about.md": "---\nlayout: default\ntitle: About\n---\nNo data.\n",
    })


@pytest.mark.parametrize("generator", ["hugo", "jekyll"])
def test_hostile_titles_come_out_as_written_through_the_real_generator(generator, tmp_path):
    require(generator)
    root = hostile_hugo(tmp_path) if generator == "hugo" else hostile_jekyll(tmp_path)
    if generator == "jekyll":
        run = smmgen("init", cwd=root)
        assert run.returncode == 0, run.stderr
    build_ok(root)
    out = tmp_path / "public"
    generate(generator, root, out)
    site = load_site(root)
    manifest = joined_manifest(root / "output" / "manifest.json")
    articles = {e["article"]["source"]: e["article"] for e in manifest["entries"]}
    assert len(articles) == (2 if generator == "hugo" else 1)
    for article in articles.values():
        page = page_for(article["url"], site.base_url, out)
        text = page.read_text(encoding="utf-8")
        assert "<script>" not in text and "alert(1)</script>" not in text
        tags = tags_of(page)
        assert tags["og:title"] == article["title"]
        assert tags["og:site_name"] == "Tom & <Jerry>"
        assert tags["og:url"] == article["url"]
    english = next(a for a in articles.values() if a["lang"] == "en")
    # smmgen's plain-text title (markup and template tags gone, entities decoded), every character kept by the page.
    assert all(part in english["title"] for part in ("🚨👩‍👩‍👧", '"no"', "'tabs'", " & "))
    assert tags_of(page_for(english["url"], site.base_url, out))["og:description"] == '"a" < b & c'
    about = out / "about" / "index.html"
    assert about.is_file() and "og:" not in about.read_text(encoding="utf-8")


def test_hugo_ugly_urls_find_their_tags_by_file(tmp_path):
    require("hugo")
    root = hostile_hugo(tmp_path, ugly=True)
    build_ok(root)
    out = tmp_path / "public"
    generate("hugo", root, out)
    assert tags_of(out / "2026" / "03" / "hostile.html")["og:url"] == "https://hostile.example.org/2026/03/hostile.html"
    assert tags_of(out / "de" / "2026" / "03" / "gaense.html")["og:title"] == '"Gänsefüßchen" & Co.'


# --- the sample site: minimal pages, served -----------------------------------------------------------------------

class Images(html.parser.HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


@pytest.mark.parametrize("served", ["pages_dir", "output"])
def test_sample_site_pages_carry_the_tags_and_show_their_cards_wherever_served(sample_site, served):
    """The folder served as the site (python -m http.server -d output/site), or output/ as smmgen serve does
    (the pages under /site/): the page carries its tags and its picture is the card, by a relative link."""
    site = load_site(sample_site)
    assert site.integration["generator"] == "pages"
    build_ok(sample_site)
    folder = sample_site / site.integration["pages_dir"]
    root, prefix = (folder, "") if served == "pages_dir" else (site.output_dir, "/" + folder.name)
    manifest = joined_manifest(sample_site / "output" / "manifest.json")
    cards = og_media(manifest)
    assert len(cards) >= 10
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    try:
        with urllib.request.urlopen(local + "/", timeout=10) as answer:
            assert answer.status == 200
        for source, media in sorted(cards.items()):
            article = next(e["article"] for e in manifest["entries"] if e["article"]["source"] == source)
            page = local + urllib.parse.urlsplit(article["url"]).path
            with urllib.request.urlopen(page, timeout=10) as answer:
                text = answer.read().decode()
            tags = Tags(text).tags
            assert tags["og:url"] == article["url"] and tags["og:image"] == media["url"]
            [picture] = Images(text).sources
            with urllib.request.urlopen(urllib.parse.urljoin(page, picture), timeout=10) as answer:
                assert hashlib.sha256(answer.read()).hexdigest() == media["sha256"]
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# --- the guards ---------------------------------------------------------------------------------------------------

@pytest.fixture
def jekyll_site(tmp_path) -> Path:
    root = set_up("jekyll-blog", tmp_path)
    build_ok(root)
    return root


def test_a_cards_dir_linked_out_of_the_site_is_refused(jekyll_site, tmp_path):
    root = jekyll_site
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.rmtree(root / "social-cards")
    os.symlink(outside, root / "social-cards")
    (root / "content-change.txt").write_text("x")
    run = smmgen("build", "--no-cache", cwd=root)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "integration.cards_dir" in run.stderr and "outside the site folder" in run.stderr, run.stderr
    assert list(outside.iterdir()) == []


def test_only_files_smmgen_wrote_are_ever_deleted(jekyll_site):
    root = jekyll_site
    cards = root / "social-cards"
    mine = cards / "logo.png"
    mine.write_bytes(b"the site owner's own file")
    recorded = sorted(cards.glob("*.jpg")) + sorted(cards.glob("*.png"))
    changed_by_owner = recorded[0]
    edited = b"edited by hand, at the same size".ljust(changed_by_owner.stat().st_size, b".")
    changed_by_owner.write_bytes(edited)
    stale = recorded[1]
    # A build whose cards are all different: every card it wrote before is no longer needed.
    toml = root / "smmgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('name = "Valley Courier"', 'name = "Valley Times"'),
                    encoding="utf-8")
    build_ok(root)
    assert mine.read_bytes() == b"the site owner's own file"
    assert changed_by_owner.read_bytes() == edited      # no longer what smmgen wrote: kept
    assert not stale.exists()
    record = json.loads((root / ".smmgen" / "site-files.json").read_text(encoding="utf-8"))["files"]
    assert "social-cards/logo.png" not in record
    manifest = joined_manifest(root / "output" / "manifest.json")
    for m in (m for e in manifest["entries"] for m in e["media"]):
        assert sha(cards / m["path"].removeprefix("cards/")) == m["sha256"]


def test_a_card_deleted_from_the_site_is_copied_again_by_the_next_build(jekyll_site):
    root = jekyll_site
    card = next((root / "social-cards").iterdir())
    data = card.read_bytes()
    card.unlink()
    build_ok(root)
    assert card.read_bytes() == data


def test_a_site_without_integration_gets_nothing_outside_output(sample_site):
    toml = sample_site / "smmgen.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text[:text.index("[integration]")], encoding="utf-8")
    before = {p for p in sample_site.rglob("*")}
    build_ok(sample_site)
    added = {p.relative_to(sample_site).parts[0] for p in set(sample_site.rglob("*")) - before}
    assert added <= {"output", ".smmgen"}
    assert not (sample_site / ".smmgen" / "site-files.json").exists()
    assert not (sample_site / "output" / "site").exists()


@pytest.mark.parametrize("table, message", [
    ('generator = "pages"\ndata_file = "x.json"', "integration.data_file: only for hugo and jekyll"),
    ('generator = "hugo"\npages_dir = "public"', 'integration.pages_dir: only for generator = "pages"'),
    ('generator = "pages"\ncards_dir = "output/cards/x"', "inside output/cards/"),
    ('generator = "hugo"\ncards_dir = "../static"', "a path inside the site folder"),
    ('generator = "hugo"\ncards_dir = "/srv/static"', "a path inside the site folder"),
    ('generator = "gatsby"', "integration.generator"),
])
def test_a_wrong_integration_table_is_one_line_naming_key_and_line(sample_site, table, message):
    toml = sample_site / "smmgen.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text[:text.index("[integration]")] + "[integration]\n" + table + "\n", encoding="utf-8")
    run = smmgen("check", cwd=sample_site)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert message in run.stderr and "smmgen.toml:" in run.stderr, run.stderr


def test_cards_dir_needs_cards_base_url(sample_site):
    toml = sample_site / "smmgen.toml"
    text = re.sub(r"^cards_base_url = .*$", "", toml.read_text(encoding="utf-8"), flags=re.M)
    toml.write_text(text, encoding="utf-8")
    run = smmgen("check", cwd=sample_site)
    assert run.returncode != 0 and "integration.cards_dir: needs [site] cards_base_url" in run.stderr, run.stderr


def test_init_keeps_a_partial_the_owner_changed_unless_forced(tmp_path):
    root = write(tmp_path, {"hugo.toml": 'baseURL = "https://p.example.org/"\ntitle = "P"\n',
                            "layouts/partials/smmgen/og.html": "mine\n"})
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "exists and differs" in run.stdout
    assert (root / "layouts/partials/smmgen/og.html").read_text() == "mine\n"
    assert '{{ partial "smmgen/og.html" . }}' in run.stdout
    run = smmgen("init", "--force", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "safeHTML" in (root / "layouts/partials/smmgen/og.html").read_text()


def test_og_tags_are_one_tag_set():
    site = load_site(Path(__file__).resolve().parents[1])
    from support.loading import load_articles

    articles, _ = load_articles(site)
    names = set(og_values(og_tags(articles[0], site)))
    assert {"canonical", "og:title", "og:description", "og:url", "og:type", "og:site_name", "og:locale",
            "twitter:card"} <= names


@pytest.mark.parametrize("generator", ["hugo", "jekyll"])
def test_hugo_static_dir_and_jekyll_source_are_respected(generator, tmp_path):
    """Hugo's staticDir, dataDir and layoutDir and Jekyll's source move the folders the generator reads: init
    follows them, and the real generator publishes the cards and renders the tags."""
    require(generator)
    post = "---\ntitle: Moved folders\ndate: 2026-03-01T10:00:00Z\nsummary: Still found.\nlayout: default\n---\nText.\n"
    if generator == "hugo":
        root = write(tmp_path / "site", {
            "hugo.toml": 'baseURL = "https://moved.example.org/"\ntitle = "Moved"\nstaticDir = "files"\n'
                         'dataDir = "facts"\nlayoutDir = "templates"\n[params.social]\ntwitter = "moved"\n',
            "content/posts/moved.md": post,
            "templates/_default/single.html": f"<html><head>{HEAD['hugo']}</head><body></body></html>\n",
        })
        expected = {"cards_dir": "files/social-cards", "data_file": "facts/smmgen/og.json"}
        template = root / "templates/partials/smmgen/og.html"
    else:
        root = write(tmp_path / "site", {
            "_config.yml": "title: Moved\nurl: https://moved.example.net\nsource: src\npermalink: pretty\n"
                           "twitter:\n  username: moved\n",
            "src/_posts/2026-03-01-moved.md": post,
            "src/_layouts/default.html": f"<html><head>{HEAD['jekyll']}</head><body>{{{{ content }}}}</body></html>\n",
        })
        expected = {"cards_dir": "src/social-cards", "data_file": "src/_data/smmgen/og.json"}
        template = root / "src/_includes/smmgen-og.html"
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    site = load_site(root)
    assert {k: site.integration[k] for k in expected} == expected
    assert template.is_file()
    build_ok(root)
    out = tmp_path / "public"
    generate(generator, root, out)
    manifest = joined_manifest(root / "output" / "manifest.json")
    [article] = {e["article"]["url"]: e["article"] for e in manifest["entries"]}.values()
    media = og_media(manifest)[article["source"]]
    tags = tags_of(page_for(article["url"], site.base_url, out))
    assert tags["og:image"] == media["url"] and tags["og:title"] == "Moved folders"
    assert sha(page_for(media["url"], site.base_url, out)) == media["sha256"]


def test_a_file_in_the_way_of_the_cards_dir_is_one_clean_error(jekyll_site):
    root = jekyll_site
    shutil.rmtree(root / "social-cards")
    (root / "social-cards").write_text("not a folder")
    run = smmgen("build", "--no-cache", cwd=root)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert re.search(r"social-cards/\S+: cannot write", run.stderr), run.stderr
    assert (root / "social-cards").read_text() == "not a folder"


def test_init_says_when_jekyll_would_publish_smmgen_s_output(tmp_path):
    root = write(tmp_path, {"_config.yml": "title: Blog\nurl: https://blog.example.net\n",
                            "_posts/2026-03-01-a.md": "---\ntitle: A\n---\nText.\n"})
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "exclude: add output and smmgen.toml" in run.stdout
    (root / "_config.yml").write_text("title: Blog\nurl: https://blog.example.net\nexclude: [output, smmgen.toml]\n")
    run = smmgen("init", "--force", cwd=root)
    assert run.returncode == 0 and "exclude: add" not in run.stdout, run.stdout


@settings(max_examples=200, deadline=None)
@given(value=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60),
       name=st.sampled_from(["og:title", "og:description", "canonical", "og:image:alt"]))
def test_any_value_comes_back_from_the_tags_as_it_was(value, name):
    attr = "rel" if name == "canonical" else "property"
    parsed = Tags(og_html([(attr, name, value), ("name", "twitter:card", "summary_large_image")]))
    assert parsed.tags == {name: value, "twitter:card": "summary_large_image"}


CREDENTIALS = {"SMMGEN_BLUESKY_HANDLE": "desk.example", "SMMGEN_BLUESKY_APP_PASSWORD": "aaaa-bbbb-cccc-dddd",
               "SMMGEN_FACEBOOK_PAGE_TOKEN": "t", "SMMGEN_LINKEDIN_TOKEN": "t", "SMMGEN_MASTODON_TOKEN": "t",
               "SMMGEN_TELEGRAM_BOT_TOKEN": "1:t", "SMMGEN_X_BEARER_TOKEN": "t", "SMMGEN_THREADS_TOKEN": "t",
               "SMMGEN_VK_TOKEN": "t", "SMMGEN_INSTAGRAM_TOKEN": "t"}


def test_the_sample_site_s_pages_pass_the_publish_preflight(sample_site):
    """The whole loop on loopback: the sample site's pages and cards, served where base_url and cards_base_url
    say, are what the publish preflight wants (its test-only setting allows plain http from 127.0.0.1); a page
    without its tags makes that article's entries wait."""
    site_folder = sample_site / "output" / "site"
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site_folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = f"http://127.0.0.1:{server.server_address[1]}"
    toml = sample_site / "smmgen.toml"
    text = toml.read_text(encoding="utf-8").replace('"https://courier.example.com', f'"{local}')
    toml.write_text(text, encoding="utf-8")
    env = {**os.environ, **CREDENTIALS, "SMMGEN_PREFLIGHT_ALLOW_HTTP": "1", "GITHUB_ACTIONS": "",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def dry_run() -> list[dict]:
        run = subprocess.run([sys.executable, "-m", "smmgen", "publish", "--dry-run", "--json",
                              "--now", "2026-11-26T12:00:00Z"], cwd=sample_site, env=env, capture_output=True,
                             text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)
        assert "Traceback" not in run.stderr
        return json.loads(run.stdout)["actions"]

    try:
        build_ok(sample_site)
        actions = dry_run()
        posts = [a for a in actions if a["action"] == "post"]
        assert len(posts) >= 50
        assert not [a for a in actions if "not live" in (a.get("reason") or "")]
        # And what the platforms' card validators would say (smmgen check --live): nothing.
        live = subprocess.run([sys.executable, "-m", "smmgen", "check", "--live", "--within", "3650d"],
                              cwd=sample_site, env=env, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL, check=False)
        assert live.returncode == 0 and "their cards and tags are live" in live.stdout, live.stdout + live.stderr
        # The page loses its tags (a template without the head line): its article's posts hold back.
        page = site_folder / "2026" / "11" / "budget-passes" / "index.html"
        page.write_text("<!doctype html><title>no tags</title>\n", encoding="utf-8")
        # Instagram's post links to the profile (link_mode = "bio"): it needs only its card, not the page.
        before = {a["id"] for a in posts if a["id"].startswith("budget-passes@") and a["platform"] != "instagram"}
        after = {a["id"]: a for a in dry_run()}
        assert before and all(after[i]["action"] != "post" and "has no og:image" in after[i]["reason"]
                              for i in before), [after[i] for i in before]
        assert sum(a["action"] == "post" for a in after.values()) == len(posts) - len(before)
    finally:
        server.shutdown()
        server.server_close()
