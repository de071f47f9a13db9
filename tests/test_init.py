"""`smmgen init`: smmgen.toml from the configuration of real Hugo and Jekyll sites (fixtures in the shapes those
sites use), a starter site in an empty folder, and the generator's files treated as untrusted input. Every case
runs the real program in a subprocess with stdin closed: init must never ask anything."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmgen.config.site import load_site
from smmgen.manifest import joined as joined_manifest
from smmgen.platforms import registry

REPO = Path(__file__).resolve().parents[1]
NINE = ("x", "mastodon", "bluesky", "threads", "facebook", "instagram", "linkedin", "telegram", "vk")


def smmgen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smmgen", *args], cwd=cwd, check=False, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(REPO), "GITHUB_ACTIONS": ""})


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def init_and_check(root: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    run = smmgen("init", *args, cwd=root)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    checked = smmgen("check", cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "all within their limits" in checked.stdout
    return run, tomllib.loads((root / "smmgen.toml").read_text(encoding="utf-8"))


HUGO_POSTS = {
    "content/posts/first-post.md": "+++\ntitle = \"First post\"\ndate = 2026-01-10T10:00:00+01:00\n"
                                   "tags = [\"news\"]\nshowToc = true\n+++\nThe first post's text.\n",
    "content/posts/second/index.md": "---\ntitle: Second post\ndate: 2026-01-12\ncategories: [misc]\n"
                                     "ShowReadingTime: true\n---\nMore text, in a page bundle.\n",
    "content/about/index.md": "---\ntitle: About\n---\nNo date: a page, not an article.\n",
}

HUGO_TOML = """\
baseURL = "https://blog.example.org/"
title = "Example Blog"
timeZone = "Europe/Berlin"
defaultContentLanguage = "en"

[languages.en]
languageName = "English"
weight = 1
[languages.ja]
languageName = "日本語"
weight = 2
title = "例"

[permalinks]
posts = "/:year/:month/:slug/"
about = "/:slug/"

[params.social]
twitter = "examplenews"
mastodon = "https://mastodon.social/@example"
bluesky = "https://bsky.app/profile/example.bsky.social"
github = "example"
"""


def test_hugo_toml_site(tmp_path):
    root = write(tmp_path, {"hugo.toml": HUGO_TOML, **HUGO_POSTS})
    run, conf = init_and_check(root)
    site = conf["site"]
    assert site["name"] == "Example Blog"
    assert site["base_url"] == "https://blog.example.org"
    assert site["timezone"] == "Europe/Berlin"
    assert site["language"] == "en"
    assert site["content_dir"] == "content/posts"
    assert site["generator"] == "hugo"
    assert site["permalinks"] == {"posts": "/:year/:month/:slug/", "about": "/:slug/"}
    assert site["languages"] == {"en": {"prefix": ""}, "ja": {"prefix": "/ja"}}
    assert set(site["extra_front_matter"]) == {"showToc", "ShowReadingTime"}
    assert tuple(conf["platforms"]) == NINE
    assert conf["platforms"]["x"] == {"handle": "@examplenews"}
    assert conf["platforms"]["mastodon"] == {"handle": "@example@mastodon.social",
                                             "instance": "https://mastodon.social"}
    assert conf["platforms"]["bluesky"] == {"handle": "@example.bsky.social"}
    assert conf["platforms"]["vk"] == {"enabled": False}
    text = (root / "smmgen.toml").read_text(encoding="utf-8")
    # What smmgen cannot read yet is written as a comment that says so, never as an unknown key.
    assert '# content_dirs = ["content/about"]' in text
    assert '"about" = "/:slug/"' in text
    assert text.count("smmgen does not read this yet") == 1
    # The report names what was found and what was not.
    assert "hugo.toml: baseURL" in run.stdout and "platforms.x" in run.stdout
    assert "site.permalinks.posts" in run.stdout and "platforms.vk: no account found" in run.stdout
    assert [p.name for p in load_site(root).platforms] == ["x", "mastodon", "bluesky"]


def test_hugo_config_folder_with_yaml_files(tmp_path):
    root = write(tmp_path, {
        "config/_default/hugo.yaml": "baseURL: https://news.example.net\ntitle: Folder Config\n"
                                     "timeZone: Asia/Tokyo\ndefaultContentLanguageInSubdir: true\n"
                                     "permalinks:\n  page:\n    posts: /:sections/:year/:slugorfilename/\n",
        "config/_default/params.yaml": "socialIcons:\n  - name: threads\n    url: https://www.threads.net/@folder\n"
                                       "  - name: telegram\n    url: https://t.me/folder_news\n"
                                       "  - name: rss\n    url: /index.xml\n"
                                       "instagram: folder.news\n",
        "config/_default/languages.yaml": "en:\n  weight: 1\nja:\n  weight: 2\n  contentDir: content.ja\n",
        "content/posts/2026-01-10-hello.md": "---\ntitle: Hello\ndate: 2026-01-10T09:00:00+09:00\n---\nText.\n",
        "content/posts/other.md": "---\ntitle: Other\ndate: 2026-01-11T09:00:00+09:00\n---\nText.\n",
    })
    run, conf = init_and_check(root)
    site = conf["site"]
    assert site["name"] == "Folder Config" and site["base_url"] == "https://news.example.net"
    assert site["timezone"] == "Asia/Tokyo"
    assert site["language"] == "en"
    assert site["permalinks"] == {"posts": "/:sections/:year/:slugorfilename/"}
    assert site["languages"] == {"en": {"prefix": "/en"}, "ja": {"prefix": "/ja", "content_dir": "content.ja"}}
    assert conf["platforms"]["threads"] == {"handle": "@folder"}
    assert conf["platforms"]["telegram"] == {"handle": "@folder_news"}
    assert conf["platforms"]["instagram"] == {"handle": "@folder.news"}
    assert conf["platforms"]["x"] == {"enabled": False}
    text = (root / "smmgen.toml").read_text(encoding="utf-8")
    assert '# content_dirs = ["content.ja"]' in text
    assert "config/_default/params.yaml" in run.stdout
    assert load_site(root).language_of("en").prefix == "/en"


JEKYLL_CONFIG = """\
title: Jekyll Example
url: "https://example.github.io"
baseurl: "/blog"
timezone: America/New_York
lang: en_US
permalink: pretty
twitter:
  username: jekyllnews
  card: summary
social:
  name: Example
  links:
    - https://www.facebook.com/ExamplePage
    - https://www.linkedin.com/company/example-co
    - https://github.com/example
collections:
  recipes:
    output: true
defaults:
  - scope:
      path: ""
      type: posts
    values:
      layout: post
"""


def test_jekyll_site(tmp_path):
    root = write(tmp_path, {
        "_config.yml": JEKYLL_CONFIG,
        "_posts/2026-01-10-hello-world.md": "---\nlayout: post\ntitle: \"Hello world\"\n"
                                            "date: 2026-01-10 10:00:00 -0500\ntags: [intro]\n---\nHello.\n",
        "_posts/2026-01-12-second.md": "---\nlayout: post\ntitle: Second\ndate: 2026-01-12T08:00:00-05:00\n"
                                       "mathjax: true\nredirect_from: [/old/]\n---\nSecond post.\n",
        "_recipes/bread.md": "---\ntitle: Bread\n---\nFlour.\n",
    })
    run, conf = init_and_check(root)
    site = conf["site"]
    assert site["name"] == "Jekyll Example"
    assert site["base_url"] == "https://example.github.io/blog"
    assert site["timezone"] == "America/New_York"
    assert site["language"] == "en-US"
    assert site["content_dir"] == "_posts"
    assert site["generator"] == "jekyll" and site["permalinks"] == {"posts": "pretty"}
    assert set(site["extra_front_matter"]) == {"mathjax", "redirect_from"}
    assert conf["platforms"]["x"] == {"handle": "@jekyllnews"}
    assert conf["platforms"]["facebook"] == {"handle": "ExamplePage"}
    assert conf["platforms"]["linkedin"] == {"handle": "example-co"}
    assert tuple(conf["platforms"]) == NINE
    assert "_config.yml: twitter" in run.stdout
    assert '# content_dirs = ["_recipes"]' in (root / "smmgen.toml").read_text(encoding="utf-8")
    # The canonical URL is the one Jekyll's pretty permalink gives a post without categories.
    from support.loading import load_articles

    articles, errors = load_articles(load_site(root))
    assert not errors
    assert {a.url for a in articles} == {"https://example.github.io/blog/2026/01/10/hello-world/",
                                         "https://example.github.io/blog/2026/01/12/second/"}


def test_jekyll_site_without_dates_in_front_matter_is_reported(tmp_path):
    # A post dated by its file name (as Jekyll dates it) has a date; one whose name has none does not.
    root = write(tmp_path, {"_config.yml": "title: T\nurl: https://t.example\n",
                            "_posts/2026-01-10-a.md": "---\ntitle: A\n---\nText.\n",
                            "_posts/b.md": "---\ntitle: B\n---\nText.\n"})
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "1 article(s) have no `date:` in their front matter, which smmgen needs (e.g. _posts/b.md)" in run.stdout


def test_empty_folder_gets_a_starter_site_that_checks_and_builds(tmp_path):
    root = tmp_path / "newsite"
    root.mkdir()
    (root / ".git").mkdir()                      # hidden entries do not make a folder a site
    run, conf = init_and_check(root)
    assert "starter site" in run.stdout
    assert tuple(conf["platforms"]) == NINE
    assert [p.name for p in load_site(root).platforms] == list(NINE)
    assert len(list((root / "content").rglob("*.md"))) == 1
    built = smmgen("build", cwd=root)
    assert built.returncode == 0, built.stderr
    assert (root / "output" / "manifest.json").is_file()


def test_existing_smmgen_toml_is_kept_without_force_and_replaced_with_it(tmp_path):
    root = write(tmp_path, {"hugo.toml": HUGO_TOML, **HUGO_POSTS, "smmgen.toml": "# mine\n"})
    run = smmgen("init", cwd=root)
    assert run.returncode == 1
    assert "already exists" in run.stderr and "--force" in run.stderr
    assert (root / "smmgen.toml").read_text() == "# mine\n"
    run = smmgen("init", "--force", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "Example Blog" in (root / "smmgen.toml").read_text(encoding="utf-8")


def test_force_replaces_a_linked_smmgen_toml_without_writing_through_the_link(tmp_path):
    outside = tmp_path / "outside.toml"
    outside.write_text("# not yours\n")
    root = write(tmp_path / "site", {"hugo.toml": HUGO_TOML, **HUGO_POSTS})
    (root / "smmgen.toml").symlink_to(outside)
    assert smmgen("init", "--force", cwd=root).returncode == 0
    assert outside.read_text() == "# not yours\n"
    assert not (root / "smmgen.toml").is_symlink()


def test_a_folder_with_files_but_no_generator_is_refused(tmp_path):
    write(tmp_path, {"notes.txt": "hello\n"})
    run = smmgen("init", cwd=tmp_path)
    assert run.returncode == 1 and "no Hugo" in run.stderr
    assert not (tmp_path / "smmgen.toml").exists()


def test_both_generators_need_generator_option(tmp_path):
    root = write(tmp_path, {"hugo.toml": HUGO_TOML, **HUGO_POSTS, "_config.yml": JEKYLL_CONFIG})
    run = smmgen("init", cwd=root)
    assert run.returncode == 1 and "--generator" in run.stderr
    run = smmgen("init", "--generator", "jekyll", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "Jekyll Example" in (root / "smmgen.toml").read_text(encoding="utf-8")
    run = smmgen("init", "--generator", "hugo", "--force", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "Example Blog" in (root / "smmgen.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("files, expected", [
    ({"_config.yml": "title: T\nurl: https://t.example\nsocial:\n  links: [a, b\n"}, "_config.yml:4: not valid YAML"),
    ({"_config.yml": "title: !!python/object/apply:os.system [\"echo owned\"]\n"}, "_config.yml:1: not valid YAML"),
    ({"hugo.toml": 'title = "T"\nbaseURL = "https://t.example"\n[params\nx = 1\n'}, "hugo.toml:3: not valid TOML"),
    ({"hugo.json": '{"title": "T",\n "baseURL": }\n'}, "hugo.json:2: not valid JSON"),
    ({"config/_default/params.toml": 'a = 1\na = 2\n'}, "config/_default/params.toml:2: not valid TOML"),
    ({"_config.yml": b"title: \xff\n"}, "_config.yml:1: not UTF-8"),
    ({"_config.yml": "- a list\n- not settings\n"}, "_config.yml:1: expected a mapping"),
    ({"hugo.json": "[" * 100_000 + "]" * 100_000}, "hugo.json: nested more than 100 levels deep"),
    ({"hugo.toml": "a = " + "[" * 100_000 + "]" * 100_000}, "hugo.toml:1: not valid TOML: nested more than 100"),
    ({"_config.yml": "a: " + "[" * 20_000 + "]" * 20_000 + "\n"}, "_config.yml:1: nested more than 100 levels"),
    ({"_config.yml": "title: T\n" + "# padding\n" * 120_000}, "_config.yml: is 1.1 MB"),
])
def test_broken_configuration_is_one_clean_line_naming_file_and_line(tmp_path, files, expected):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    run = smmgen("init", cwd=tmp_path)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "owned" not in run.stdout + run.stderr
    assert run.stderr.startswith(f"Error: {expected}"), run.stderr
    assert not (tmp_path / "smmgen.toml").exists()


@pytest.mark.parametrize("name", ["_config.yml", "hugo.toml", "config/_default/params.yaml"])
def test_configuration_linked_from_outside_the_site_is_refused(tmp_path, name):
    secret = tmp_path / "elsewhere" / "secret.yml"
    secret.parent.mkdir()
    secret.write_text("title: from outside\n")
    root = tmp_path / "site"
    (root / name).parent.mkdir(parents=True)
    (root / name).symlink_to(secret)
    run = smmgen("init", cwd=root)
    assert run.returncode == 1
    assert f"{name}: is a symbolic link to a file outside the site folder" in run.stderr
    assert "Traceback" not in run.stderr


def test_config_folder_linked_from_outside_is_refused(tmp_path):
    elsewhere = write(tmp_path / "elsewhere", {"params.toml": "x = 1\n"})
    root = tmp_path / "site"
    (root / "config").mkdir(parents=True)
    (root / "config" / "_default").symlink_to(elsewhere)
    run = smmgen("init", cwd=root)
    assert run.returncode == 1 and "outside the site" in run.stderr and "Traceback" not in run.stderr


def test_values_from_the_configuration_cannot_inject_toml_or_escape_sequences(tmp_path):
    root = write(tmp_path / "site", {
        "_config.yml": 'title: "Evil\\n[publish]\\nledger = \\"/etc/passwd\\"\\u001b[31m"\n'
                       "url: https://evil.example\ntimezone: Not/AZone\n"
                       "twitter: {username: \"a\\nb\"}\npermalink: /:categories/:hour/:title/\n",
        "_posts/2026-01-10-a.md": "---\ntitle: A\ndate: 2026-01-10\n\"odd\\nkey\": 1\n---\nText.\n",
    })
    run, conf = init_and_check(root)
    assert conf["site"]["name"] == "site"                  # the folder's: the title holds an escape character
    assert "publish" not in conf and "timezone" not in conf["site"] and "permalink" not in conf["site"]
    assert conf["platforms"]["x"] == {"enabled": False}
    assert "\x1b" not in run.stdout
    assert "Not/AZone" in run.stdout and ":hour" in run.stdout


def test_yaml_aliases_that_stand_for_billions_of_links_are_read_in_bounded_time(tmp_path):
    lines = ["title: Laughs", "url: https://l.example", "a: &a [" + ", ".join(["https://t.me/laughing"] * 100) + "]"]
    for previous, name in zip("abcdefg", "bcdefgh"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 100) + "]")
    lines += ["social: {links: *h}", "social_links: *c", "twitter: {username: *h}",
              "author: &me {twitter: *me, mastodon: [*me, *me]}"]      # a table that holds itself
    write(tmp_path, {"_config.yml": "\n".join(lines) + "\n"})
    started = time.monotonic()
    run = smmgen("init", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - started < 20
    # Found where the walk reaches it (social_links, two lists deep), and nothing is walked for ever.
    assert tomllib.loads((tmp_path / "smmgen.toml").read_text())["platforms"]["telegram"] == {"handle": "@laughing"}


def test_smmgen_toml_that_cannot_be_replaced_is_a_clean_error(tmp_path):
    root = write(tmp_path, {"hugo.toml": HUGO_TOML})
    (root / "smmgen.toml").mkdir()
    run = smmgen("init", "--force", cwd=root)
    assert run.returncode == 1 and run.stderr.startswith("Error: cannot write smmgen.toml")
    assert "Traceback" not in run.stderr
    assert [p.name for p in root.iterdir() if p.name.startswith(".smmgen-init")] == []


def test_the_nine_platforms_are_the_registry_s_built_ins():
    assert tuple(registry.names())[:9] == NINE


def require(program: str) -> None:
    # On a developer's machine without the generator the test skips; in CI it must run (tests/setup.sh installs it).
    if shutil.which(program) is None:
        reason = f"{program} is not installed (apt-get install {program})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set: the real-generator tests must run")
        pytest.skip(reason)


@pytest.mark.parametrize("permalinks", ["", '[permalinks]\nposts = "/:year/:month/:day/:slugorfilename/"\n'])
def test_canonical_urls_are_the_pages_hugo_builds(tmp_path, permalinks):
    require("hugo")
    root = write(tmp_path, {
        "hugo.toml": f'baseURL = "https://hugo.example.org/"\ntitle = "Real Hugo"\ntimeZone = "Europe/Berlin"\n'
                     f"{permalinks}",
        "layouts/_default/single.html": "{{ .Title }}\n",
        "layouts/_default/list.html": "{{ .Title }}\n",
        "content/posts/late-night.md": "---\ntitle: Late night\ndate: 2026-01-10T23:30:00+01:00\n---\nText.\n",
        "content/posts/bundle/index.md": "---\ntitle: A bundle\ndate: 2026-02-01T08:00:00+01:00\n---\nText.\n",
        "content/posts/with-slug.md": "---\ntitle: Another title\nslug: chosen\ndate: 2026-03-01\n---\nText.\n",
    })
    init_and_check(root)
    generate("hugo", root, tmp_path / "public")
    from support.loading import load_articles

    site = load_site(root)
    articles, errors = load_articles(site)
    assert not errors and len(articles) == 3
    for article in articles:
        path = article.url.removeprefix(site.base_url).strip("/")
        assert (tmp_path / "public" / path / "index.html").is_file(), (article.url, sorted(
            p.relative_to(tmp_path / "public").as_posix() for p in (tmp_path / "public").rglob("index.html")))


@pytest.mark.parametrize("permalink", ["", "permalink: pretty\n", "permalink: /:year/:title/\n"])
def test_canonical_urls_are_the_pages_jekyll_builds(tmp_path, permalink):
    require("jekyll")
    root = write(tmp_path / "site", {
        "_config.yml": f"title: Real Jekyll\nurl: https://jekyll.example.org\nbaseurl: /blog\n"
                       f"timezone: America/New_York\n{permalink}",
        "_posts/2026-01-10-late-night.md": "---\ntitle: Late night\ndate: 2026-01-10 23:30:00 -0500\n---\nText.\n",
        "_posts/2026-02-01-second-post.md": "---\ntitle: Second\ndate: 2026-02-01T08:00:00-05:00\n---\nText.\n",
    })
    init_and_check(root)
    out = tmp_path / "public"
    generate("jekyll", root, out)
    from support.loading import load_articles

    site = load_site(root)
    articles, errors = load_articles(site)
    assert not errors and len(articles) == 2
    for article in articles:
        path = article.url.removeprefix("https://jekyll.example.org/blog/")
        page = out / path / "index.html" if path.endswith("/") else out / path
        assert page.is_file(), (article.url, sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")))


@pytest.mark.parametrize("files, shown", [
    ({"hugo.toml": 'title = "T"\nbaseURL = "https://t.example"\ncontentDir = "../elsewhere"\n'}, "contentDir"),
    ({"hugo.toml": 'title = "T"\nbaseURL = "https://t.example"\ncontentDir = "/etc"\n'}, "contentDir"),
    ({"_config.yml": "title: T\nurl: https://t.example\nsource: ../elsewhere\n"}, "source"),
])
def test_content_folders_outside_the_site_are_not_taken(tmp_path, files, shown):
    write(tmp_path / "elsewhere", {"posts/a.md": "---\ntitle: Outside\ndate: 2026-01-01\nsecret_key: 1\n---\n"})
    root = write(tmp_path / "site", files)
    run, conf = init_and_check(root)
    assert "elsewhere" not in conf["site"].get("content_dir", "") and "/etc" not in conf["site"].get("content_dir", "")
    assert "extra_front_matter" not in conf["site"]
    assert f"{shown}: " in run.stdout and "is no folder inside the site" in run.stdout


KEYS = ["title", "name", "url", "baseurl", "baseURL", "timezone", "timeZone", "lang", "locale", "languageCode",
        "defaultContentLanguage", "defaultContentLanguageInSubdir", "languages", "contentDir", "permalink",
        "permalinks", "posts", "page", "social", "links", "params", "twitter", "username", "mastodon", "instance",
        "bluesky", "socialIcons", "collections", "defaults", "scope", "values", "type", "path", "source",
        "collections_dir", "author", "services", "uglyURLs", "weight", "en", "ja"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3),
                    st.sampled_from(["", "/", "..", "../x", "/:year/:slug/", "/:categories/:title/", "pretty",
                                     "https://a.example/", "@me@m.social", "Europe/Berlin", "en", "x\n[publish]",
                                     "https://t.me/some_channel", "posts", "{slug}", "\x1b[2J"]),
                    st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
                      max_leaves=25)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(config=st.dictionaries(st.sampled_from(KEYS), values, max_size=10), jekyll=st.booleans())
def test_any_configuration_gives_a_loadable_smmgen_toml_or_a_clean_error(tmp_path_factory, config, jekyll):
    from smmgen.errors import SmmgenError
    from smmgen.init.init_site import init_site

    root = tmp_path_factory.mktemp("site")
    name = "_config.yml" if jekyll else "hugo.json"
    text = yaml.safe_dump(config, allow_unicode=True) if jekyll else json.dumps(config)
    write(root, {name: text, "content/posts/a.md": "---\ntitle: A\ndate: 2026-01-01\n---\nText.\n"})
    try:
        report = init_site(root)
    except SmmgenError:
        return
    site = load_site(root)
    assert site.name and site.base_url.startswith(("http://", "https://"))
    assert all(ord(c) >= 32 for key, value, where in report.found for c in value + where)


def test_init_in_a_subfolder_of_a_configured_site_finds_its_smmgen_toml(tmp_path):
    root = write(tmp_path, {"hugo.toml": HUGO_TOML, **HUGO_POSTS, "smmgen.toml": "# mine\n"})
    run = smmgen("init", cwd=root / "content" / "posts")
    assert run.returncode == 1 and "already exists" in run.stderr
    assert not (root / "content" / "posts" / "smmgen.toml").exists()


def test_jekyll_markdown_ext_and_excerpt_separator_are_carried_over(tmp_path):
    root = write(tmp_path, {
        "_config.yml": "title: T\nurl: https://t.example\nmarkdown_ext: \"markdown,md,text\"\n"
                       "excerpt_separator: \"<!-- cut -->\"\n",
        "_posts/2026-01-10-a.text": "---\ntitle: A\n---\nThe lead.\n<!-- cut -->\nMore.\n",
        "_posts/2026-01-11-b.mkd": "---\ntitle: B\n---\nNot an article for this site.\n",
    })
    run, conf = init_and_check(root)
    assert conf["site"]["markdown_extensions"] == ["markdown", "md", "text"]
    assert conf["site"]["excerpt_separator"] == "<!-- cut -->"
    from support.loading import load_articles

    articles, errors = load_articles(load_site(root))
    assert not errors
    assert [(a.source, a.summary) for a in articles] == [("_posts/2026-01-10-a.text", "The lead.")]


def picture(path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (1200, 630), (200, 80, 40)).save(path)


def built_pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))


def generate(tool: str, root: Path, out: Path) -> None:
    """Build the site in ``root`` with the real Hugo or Jekyll into ``out``."""
    command = ["hugo", "--quiet"] if tool == "hugo" else ["jekyll", "build", "--quiet"]
    built = subprocess.run([*command, "--destination", str(out)], cwd=root, capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)
    assert built.returncode == 0, built.stderr


def articles_of(root: Path):
    """The site in ``root`` and its articles, read without an error."""
    from support.loading import load_articles

    site = load_site(root)
    articles, errors = load_articles(site)
    assert not errors, [e.message for e in errors]
    return site, articles


def assert_every_url_is_a_page(articles, base: str, out: Path) -> None:
    from urllib.parse import unquote

    for article in articles:
        path = unquote(article.url.removeprefix(base)).lstrip("/")
        page = out / path / "index.html" if path.endswith("/") or not path else out / path
        assert page.is_file(), (article.source, article.url, built_pages(out))


def test_multilingual_hugo_site_with_bundles_and_section_rules_gives_the_pages_hugo_builds(tmp_path):
    require("hugo")
    root = write(tmp_path / "site", {
        "hugo.toml": 'baseURL = "https://multi.example.org/"\ntitle = "Multi"\ntimeZone = "Asia/Tokyo"\n'
                     'defaultContentLanguage = "en"\n'
                     '[languages.en]\nweight = 1\n[languages.ja]\nweight = 2\n'
                     '[permalinks]\nposts = "/:year/:month/:slug/"\nnotes = "/n/:filename/"\n'
                     '[params.social]\ntwitter = "multi"\n',
        "layouts/_default/single.html": "{{ .Title }}\n",
        "layouts/_default/list.html": "{{ .Title }}\n",
        # The same article in two languages: name.ja.md beside name.md.
        "content/posts/hello.md": "---\ntitle: Hello World\ndate: 2026-01-10T09:00:00+09:00\n---\nText.\n",
        "content/posts/hello.ja.md": "---\ntitle: Hello World\ndate: 2026-01-10T09:00:00+09:00\n---\nテキスト。\n",
        # The same file name in two years: one slug, two URLs.
        "content/posts/2025/update.md": "---\ntitle: Update\nslug: update\ndate: 2025-12-01\n---\nText.\n",
        "content/posts/2026/update.md": "---\ntitle: Update\nslug: update\ndate: 2026-02-01\n---\nText.\n",
        # Page bundles, with a hero beside index.md.
        "content/notes/My-Bundle/index.md": "---\ntitle: A Bundle Note\ndate: 2026-03-01\n---\nText.\n",
        "content/notes/plain-note.md": "---\ntitle: Plain note\ndate: 2026-03-02\n---\nText.\n",
        "content/misc/deep/thing.md": "---\ntitle: Deep Thing\ndate: 2026-03-03\n---\nText.\n",
    })
    picture(root / "content/notes/My-Bundle/featured.jpg")
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    text = (root / "smmgen.toml").read_text(encoding="utf-8")
    # Every section's articles: point content_dir at the whole content folder.
    (root / "smmgen.toml").write_text(text.replace('content_dir = "content/posts"', 'content_dir = "content"'))
    out = tmp_path / "public"
    generate("hugo", root, out)
    site, articles = articles_of(root)
    assert len(articles) == 7
    assert_every_url_is_a_page(articles, site.base_url, out)
    by_source = {a.source: a for a in articles}
    assert by_source["content/posts/hello.ja.md"].url == "https://multi.example.org/ja/2026/01/hello-world/"
    assert by_source["content/posts/hello.ja.md"].lang == "ja"
    assert by_source["content/notes/My-Bundle/index.md"].url == "https://multi.example.org/n/my-bundle/"
    # Distinct identities where slugs are shared; the earliest article in the site's language keeps its slug.
    keys = {a.source: a.key for a in articles}
    assert len(set(keys.values())) == len(articles)
    assert keys["content/posts/2025/update.md"] == "update"
    assert keys["content/posts/2026/update.md"] == "update.2026-02"
    assert keys["content/posts/hello.md"] == "hello" and keys["content/posts/hello.ja.md"] == "hello.ja"
    assert by_source["content/notes/My-Bundle/index.md"].image.name == "featured.jpg"
    # The build writes one cuts folder and one og page per article: nothing collides.
    built = smmgen("build", cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    manifest = joined_manifest(root / "output" / "manifest.json")
    ids = [e["id"] for e in manifest["entries"]]
    assert len(ids) == len(set(ids)) and "update.2026-02@x" in ids and "hello.ja@x" in ids
    # The publisher's strict reader and the manifest schema take the qualified ids.
    from smmgen.publish.manifest_reader import read_manifest

    read = read_manifest(root / "output" / "manifest.json", output_dir=root / "output")
    assert sorted(e.id for e in read.entries) == sorted(ids)
    jsonschema.validate(manifest, json.loads((REPO / "smmgen/schemas/manifest.schema.json").read_text()))
    assert (root / "output" / "og" / "hello.ja.html").is_file() and (root / "output" / "cuts" / "hello.ja").is_dir()


def test_jekyll_categories_collections_and_custom_permalinks_give_the_pages_jekyll_builds(tmp_path):
    require("jekyll")
    root = write(tmp_path / "site", {
        "_config.yml": "title: Cats\nurl: https://cats.example.org\ntimezone: Pacific/Auckland\n"
                       "permalink: /:categories/:year/:month/:day/:title:output_ext\n"
                       "collections:\n  recipes:\n    output: true\n    permalink: /food/:path/\n"
                       "defaults:\n  - scope: {path: \"\"}\n    values: {image: /assets/default.png}\n",
        "_posts/2026-01-10-Late-Night.md": "---\ntitle: Late\ndate: 2026-01-10 23:30:00 +0000\n"
                                           "categories: [News, Local]\n---\nText.\n",
        "sport/_posts/2026-02-01-match.md": "---\ntitle: Match\ndate: 2026-02-01T08:00:00+13:00\n"
                                            "image: {path: /assets/match.png, alt: The pitch}\n---\nText.\n",
        "_posts/2026-02-02-own.md": "---\ntitle: Own\ndate: 2026-02-02\npermalink: /special/:title/\n---\nT.\n",
        "_recipes/bread.md": "---\ntitle: Bread\ndate: 2026-01-05\n---\nFlour.\n",
    })
    for name in ("default.png", "match.png"):
        picture(root / "assets" / name)
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    conf = tomllib.loads((root / "smmgen.toml").read_text(encoding="utf-8"))
    assert conf["site"]["permalinks"] == {"posts": "/:categories/:year/:month/:day/:title:output_ext",
                                          "recipes": "/food/:path/"}
    assert conf["site"]["default_image"] == "/assets/default.png"
    text = (root / "smmgen.toml").read_text(encoding="utf-8")
    # Read the recipes too (init reads only the posts): every file Jekyll makes a page of.
    (root / "smmgen.toml").write_text(re.sub(r'\ninclude = .*', '', text))
    out = tmp_path / "public"
    generate("jekyll", root, out)
    site, articles = articles_of(root)
    assert len(articles) == 4
    assert_every_url_is_a_page(articles, site.base_url, out)
    by_source = {a.source: a for a in articles}
    # 23:30 UTC is the next day in Auckland: Jekyll dates the URL in the site's timezone.
    assert by_source["_posts/2026-01-10-Late-Night.md"].url == \
        "https://cats.example.org/news/local/2026/01/11/Late-Night.html"
    assert by_source["sport/_posts/2026-02-01-match.md"].image.name == "match.png"
    assert by_source["sport/_posts/2026-02-01-match.md"].image_alt == "The pitch"
    assert by_source["_recipes/bread.md"].image.name == "default.png"


def test_hugo_site_with_a_content_folder_per_language_gives_the_pages_hugo_builds(tmp_path):
    require("hugo")
    root = write(tmp_path / "site", {
        "hugo.toml": 'baseURL = "https://langs.example.org/"\ntitle = "Langs"\ntimeZone = "Asia/Tokyo"\n'
                     'defaultContentLanguage = "en"\ndefaultContentLanguageInSubdir = true\n'
                     '[languages.en]\nweight = 1\ncontentDir = "content/en"\n'
                     '[languages.ja]\nweight = 2\ncontentDir = "content/ja"\n'
                     '[permalinks]\nposts = "/:section/:year/:month/:day/:title/"\n',
        "layouts/_default/single.html": "{{ .Title }}\n",
        "layouts/_default/list.html": "{{ .Title }}\n",
        # 23:30 UTC is the next day in Tokyo, but Hugo dates the URL as the date is written.
        "content/en/posts/news.md": "---\ntitle: Big News Today\ndate: 2026-01-10T23:30:00Z\n---\nText.\n",
        "content/ja/posts/news.md": "---\ntitle: 大きなニュース\ndate: 2026-01-10T23:30:00Z\n---\n本文。\n",
        "content/en/posts/trip/index.md": "---\ntitle: Trip\nslug: summer-trip\ndate: 2026-02-01\n---\nT.\n",
        "content/ja/posts/trip/index.md": "---\ntitle: 旅行\nslug: summer-trip\ndate: 2026-02-01\n---\nT.\n",
    })
    picture(root / "content/en/posts/trip/cover.jpg")
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    conf = tomllib.loads((root / "smmgen.toml").read_text(encoding="utf-8"))
    assert conf["site"]["languages"] == {"en": {"prefix": "/en", "content_dir": "content/en"},
                                         "ja": {"prefix": "/ja", "content_dir": "content/ja"}}
    text = (root / "smmgen.toml").read_text(encoding="utf-8")
    (root / "smmgen.toml").write_text(text.replace(f'content_dir = "{conf["site"]["content_dir"]}"',
                                                   'content_dir = "content"', 1))
    out = tmp_path / "public"
    generate("hugo", root, out)
    site, articles = articles_of(root)
    assert len(articles) == 4
    assert_every_url_is_a_page(articles, site.base_url, out)
    by_source = {a.source: a for a in articles}
    assert by_source["content/en/posts/news.md"].url == "https://langs.example.org/en/posts/2026/01/10/big-news-today/"
    assert by_source["content/ja/posts/news.md"].lang == "ja"
    assert by_source["content/en/posts/trip/index.md"].image.name == "cover.jpg"
    assert {a.key for a in articles} == {"news", "news.ja", "summer-trip", "summer-trip.ja"}


TITLES = ["A  -  B", "Don't panic: v1.2 (beta)!", "Ünïcödé Straße & Co", "C++ / C# tips", "100% sure_thing ~ ok",
          "well-known -leading", "[Bracket] {x} = y; z,w", "日本語のタイトル"]


def test_titles_become_the_paths_hugo_makes_of_them(tmp_path):
    require("hugo")
    files = {f"content/posts/p{i}.md": f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ndate: 2026-01-0{i + 1}\n"
                                       "---\nText.\n" for i, title in enumerate(TITLES)}
    root = write(tmp_path / "site", {
        "hugo.toml": 'baseURL = "https://titles.example.org/"\ntitle = "Titles"\n'
                     '[permalinks]\nposts = "/:year/:title/"\n',
        "layouts/_default/single.html": "{{ .Title }}\n", "layouts/_default/list.html": "{{ .Title }}\n", **files})
    init_and_check(root)
    out = tmp_path / "public"
    generate("hugo", root, out)
    from support.loading import load_articles

    site = load_site(root)
    articles, errors = load_articles(site)
    assert not errors and len(articles) == len(TITLES)
    assert_every_url_is_a_page(articles, site.base_url, out)
    assert "https://titles.example.org/2026/c-/-c%23-tips/" in {a.url for a in articles}


def test_file_names_become_the_paths_jekyll_makes_of_them(tmp_path):
    require("jekyll")
    names = ["Hello_World!", "café ünï", "a.b~c(d)", "it's+fine@x"]
    root = write(tmp_path / "site", {
        "_config.yml": "title: Names\nurl: https://names.example.org\npermalink: /:title/:slug/\n",
        **{f"_posts/2026-01-1{i}-{name}.md": f"---\ntitle: T{i}\ndate: 2026-01-1{i}\n---\nText.\n"
           for i, name in enumerate(names)}})
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "public"
    generate("jekyll", root, out)
    from support.loading import load_articles

    site = load_site(root)
    articles, errors = load_articles(site)
    assert not errors and len(articles) == len(names), [e.message for e in errors]
    assert_every_url_is_a_page(articles, site.base_url, out)


def test_hugo_config_folder_with_one_file_per_language_gives_the_pages_hugo_builds(tmp_path):
    # The shape of a large multilingual site: config/_default/languages.<lang>.toml, each naming its own
    # contentDir and title, posts as .markdown files in the default language's `post` section.
    require("hugo")
    root = write(tmp_path / "site", {
        "config/_default/hugo.toml": 'baseURL = "https://lang-files.example.org/"\n'
                                     'defaultContentLanguage = "en"\ndefaultContentLanguageInSubdir = false\n'
                                     '[uglyURLs]\npost = true\n[permalinks]\npost = "/:year/:month/:day/:slug/"\n',
        "config/_default/languages.en.toml": 'title = "Lang Files"\ncontentDir = "content/en"\nweight = 10\n',
        "config/_default/languages.de.toml": 'title = "Sprachdateien"\ncontentDir = "content/de"\nweight = 200\n',
        "config/_default/menu.en.toml": '[[main]]\nname = "Home"\nurl = "/"\n',
        "layouts/_default/single.html": "{{ .Title }}\n",
        "layouts/_default/list.html": "{{ .Title }}\n",
        "content/en/about.md": "---\ntitle: About\n---\nNo date.\n",
        "content/en/post/2015-7-1-report.markdown": "---\ntitle: Report\nslug: report\ndate: 2015-07-01\n---\nT.\n",
        "content/en/post/2016-4-1-report.markdown": "---\ntitle: Report\nslug: report\ndate: 2016-04-01\n---\nT.\n",
        "content/en/post/2016-5-2-news.md": "---\ntitle: Big News\ndate: 2016-05-02T10:00:00-07:00\n---\nT.\n",
        "content/de/post/2016-5-2-news.md": "---\ntitle: Große Neuigkeit\nslug: big-news\ndate: 2016-05-02\n---\nT.\n",
    })
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stderr
    conf = tomllib.loads((root / "smmgen.toml").read_text(encoding="utf-8"))
    assert conf["site"]["name"] == "Lang Files"
    assert conf["site"]["content_dir"] == "content/en/post"
    assert conf["site"]["languages"] == {"en": {"prefix": "", "content_dir": "content/en"},
                                         "de": {"prefix": "/de", "content_dir": "content/de"}}
    checked = smmgen("check", cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    out = tmp_path / "public"
    generate("hugo", root, out)
    site, articles = articles_of(root)
    # Ugly URLs for the section: Hugo writes <path>.html where the rule ends in "/".
    assert conf["site"]["permalinks"] == {"post": "/:year/:month/:day/:slug.html"}
    assert {a.url for a in articles} == {"https://lang-files.example.org/2015/07/01/report.html",
                                         "https://lang-files.example.org/2016/04/01/report.html",
                                         "https://lang-files.example.org/2016/05/02/big-news.html"}
    assert_every_url_is_a_page(articles, site.base_url, out)
    # Every language's folder: the translation takes the language's prefix.
    text = (root / "smmgen.toml").read_text(encoding="utf-8")
    (root / "smmgen.toml").write_text(text.replace('content_dir = "content/en/post"', 'content_dir = "content"', 1))
    # about.md has no date at all: a page of the site, not a dated post; skipped and counted, no error.
    checked = smmgen("check", cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 undated page" in checked.stdout + checked.stderr
    site, articles = articles_of(root)
    assert "https://lang-files.example.org/de/2016/05/02/big-news.html" in {a.url for a in articles}
    assert_every_url_is_a_page(articles, site.base_url, out)


def test_posts_folders_anywhere_in_the_site_give_the_pages_jekyll_builds(tmp_path):
    # The shape of www.ruby-lang.org: no top-level _posts, one <lang>/news/_posts per language, `lang:` in the
    # front matter, and the folders above _posts as categories in a "pretty" permalink.
    require("jekyll")
    root = write(tmp_path / "site", {
        "_config.yml": "url: https://lang.example.org\ntimezone: UTC\npermalink: pretty\n"
                       "twitter: {username: langnews}\nexclude: [vendor-copy]\n"
                       "defaults:\n  - scope: {path: \"\"}\n    values:\n      image: {path: /img/og.png, alt: The logo}\n",
        "en/news/_posts/2013-11-22-heap-overflow.md": "---\ntitle: Heap overflow\ndate: 2013-11-22 5:00:00 +0000\n"
                                                       "lang: en\n---\nA fix.\n",
        "en/news/_posts/2023-01-29-three-nine-three.md": "---\ntitle: 3.9.3\n"
                                                          "date: 2023-01-29 18:30:22 2023 -0800\nlang: en\n---\nOut.\n",
        "de/news/_posts/2013-11-22-heap-overflow.md": "---\ntitle: Pufferüberlauf\ndate: 2013-11-22 05:00:00 +0000\n"
                                                       "lang: de\n---\nEin Fix.\n",
        "en/about/index.md": "---\ntitle: About\n---\nA page.\n",
        "en/about/license.md": "---\ntitle: License\n---\nA page beside it.\n",
        "_drafts/idea.md": "---\ntitle: Idea\n---\nLater.\n",
        "vendor-copy/news/_posts/2020-01-01-copy.md": "---\ntitle: Copy\n---\nExcluded by the site.\n",
    })
    picture(root / "img" / "og.png")
    run, conf = init_and_check(root)
    assert conf["site"]["content_dir"] == "." and conf["site"]["include"] == ["**/_posts/**"]
    assert conf["site"]["default_image_alt"] == "The logo"
    checked = smmgen("check", cwd=root)
    assert conf["site"]["exclude"] == ["vendor-copy/news/_posts/**"]
    assert "skipped 4 excluded" in checked.stdout, checked.stdout
    # The one date Jekyll reads leniently is used with a warning naming file, line and what was used; the
    # one-digit hour is read in full, without one.
    assert "en/news/_posts/2023-01-29-three-nine-three.md: warning:" in checked.stderr
    assert "line 3: date:" in checked.stderr and "used 2023-01-29T18:30:22+00:00" in checked.stderr
    assert "heap-overflow.md: warning" not in checked.stderr and "default_image_alt" not in checked.stderr
    out = tmp_path / "public"
    generate("jekyll", root, out)
    site, articles = articles_of(root)
    assert sorted(a.url.removeprefix(site.base_url) for a in articles) == [
        "/de/news/2013/11/22/heap-overflow/", "/en/news/2013/11/22/heap-overflow/",
        "/en/news/2023/01/29/three-nine-three/"]
    assert_every_url_is_a_page(articles, site.base_url, out)
    assert {a.lang for a in articles} == {"en", "de"}


def test_a_default_image_without_alt_is_one_site_warning_not_one_per_article(tmp_path):
    root = write(tmp_path / "site", {
        "_config.yml": "url: https://img.example.org\n"
                       "defaults:\n  - scope: {path: \"\"}\n    values: {image: /img/og.png}\n",
        **{f"_posts/2026-01-0{i}-post-{i}.md": f"---\ntitle: Post {i}\n---\nText {i}.\n" for i in range(1, 4)},
    })
    picture(root / "img" / "og.png")
    run, conf = init_and_check(root)
    assert "default_image_alt" not in conf["site"]
    checked = smmgen("check", cwd=root)
    warnings = [line for line in checked.stderr.splitlines() if "warning" in line]
    assert warnings == ["smmgen.toml: warning: site.default_image_alt: 3 article(s) show default_image /img/og.png "
                        "without a description of the picture: describe it in smmgen.toml "
                        "`site.default_image_alt`"], checked.stderr
    text = (root / "smmgen.toml").read_text(encoding="utf-8")
    (root / "smmgen.toml").write_text(text.replace("[site]\n", '[site]\ndefault_image_alt = "A red square"\n', 1))
    checked = smmgen("check", cwd=root)
    assert checked.returncode == 0 and "warning" not in checked.stderr, checked.stderr
    from support.loading import load_articles

    articles, _ = load_articles(load_site(root))
    assert {a.image_alt for a in articles} == {"A red square"}


def test_a_key_written_twice_or_a_stray_control_character_is_a_warning_on_a_jekyll_site(tmp_path):
    # www.ruby-lang.org has both; Jekyll builds the pages (Ruby's YAML keeps the last value).
    files = {
        "_config.yml": "url: https://dup.example.org\ntwitter: {username: dupnews}\n",
        "_posts/2026-01-02-twice.md": "---\ntitle: First title\ntitle: Second title\n---\nText.\n",
        "_posts/2026-01-03-control.md": "---\ntitle: Control\n---\nText\b with a backspace.\n",
    }
    root = write(tmp_path / "site", files)
    run, conf = init_and_check(root)
    checked = smmgen("check", cwd=root)
    assert '_posts/2026-01-02-twice.md: warning: x: line 3: duplicate key "title": also on line 2; this last ' \
           "value is used, as Jekyll does: keep one" in checked.stderr
    assert "_posts/2026-01-03-control.md: warning: x: line 4: U+0008 (backspace) at column 5" in checked.stderr
    from support.loading import load_articles

    articles, errors = load_articles(load_site(root))
    assert not errors and {a.title for a in articles} == {"Second title", "Control"}
    assert all("\b" not in a.body_text for a in articles)
    # smmgen's own site (no generator) still refuses both.
    (root / "smmgen.toml").write_text('[site]\nname = "Dup"\nbase_url = "https://dup.example.org"\n'
                                      'content_dir = "_posts"\n', encoding="utf-8")
    checked = smmgen("check", cwd=root)
    assert checked.returncode == 1 and "duplicate key" in checked.stderr and "U+0008" in checked.stderr


def test_jekyll_polyglot_languages_get_their_prefixes_and_other_sites_none(tmp_path):
    root = write(tmp_path / "site", {
        "_config.yml": "url: https://poly.example.org\nlanguages: [en, de]\ndefault_lang: en\n",
        "_posts/2026-01-02-hallo.md": "---\ntitle: Hallo\nlang: de\n---\nText.\n",
    })
    run, conf = init_and_check(root)
    assert conf["site"]["languages"] == {"en": {"prefix": ""}, "de": {"prefix": "/de"}}
    from support.loading import load_articles

    articles, _ = load_articles(load_site(root))
    assert [a.url for a in articles] == ["https://poly.example.org/de/2026/01/02/hallo.html"]
    (root / "_config.yml").write_text("url: https://poly.example.org\n", encoding="utf-8")
    smmgen("init", "--force", cwd=root)
    articles, _ = load_articles(load_site(root))
    assert [a.url for a in articles] == ["https://poly.example.org/2026/01/02/hallo.html"]
