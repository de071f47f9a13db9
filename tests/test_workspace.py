"""Several sites in one repository: a root smmgen.toml with ``[workspace] sites = [...]``. Two small sites made
from the sample site's articles are built, checked, planned, previewed and published (against the Mastodon
fake) from the root, each into its own output/, ledger and lock; ``--site`` picks one; a broken site does not
stop the other; the combined preview index links both; a ledger of one site is refused by the other; patterns
that leave the root, links out of it, nested workspaces and a workspace without sites are refused."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.cli.main import main
from smmgen.manifest import joined as joined_manifest
from smmgen.publish.lock import acquire

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import PUBLISH_TOML, Harness  # noqa: I001

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-25T12:00:00Z"
ARTICLES = {                                  # each site takes a few of the sample site's articles
    "courier": ["2026-11-24-budget-passes.md", "2026-11-17-heat-islands.md"],
    "gazette": ["2026-11-22-gallery-east-wing.md"],
}


def site_toml(name: str, base_url: str, publish: str = "") -> str:
    return (f'[site]\nname = "{name}"\nbase_url = "{base_url}"\ntimezone = "Europe/Berlin"\n\n'
            f'[platforms.mastodon]\nhandle = "@desk@social.example"\n\n{PUBLISH_TOML}\n{publish}')


def make_workspace(root: Path, publish: str = "", sites: str = '["sites/*"]') -> Path:
    """``root`` holding a workspace of two sites, sites/courier and sites/gazette."""
    for name, files in ARTICLES.items():
        folder = root / "sites" / name
        (folder / "content" / "2026").mkdir(parents=True)
        shutil.copytree(REPO / "content" / "images", folder / "content" / "images")
        for file in files:
            shutil.copy(REPO / "content" / "2026" / file, folder / "content" / "2026" / file)
        title = "The Northbridge Courier" if name == "courier" else "The Gazette"
        (folder / "smmgen.toml").write_text(site_toml(title, f"https://{name}.example.com", publish))
    (root / "smmgen.toml").write_text(f"# Two publications, one repository.\n[workspace]\nsites = {sites}\n")
    return root


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_workspace(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


def smmgen(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def manifest_ids(site: Path) -> list[str]:
    return [e["id"] for e in joined_manifest(site / "output" / "manifest.json")["entries"]]


# --- building, checking, planning, previewing ---------------------------------------------------------------------

def test_build_at_the_root_builds_every_site_into_its_own_output_with_prefixed_lines(workspace: Path) -> None:
    run = smmgen("build")
    assert run.exit_code == 0, run.output
    courier, gazette = workspace / "sites" / "courier", workspace / "sites" / "gazette"
    assert manifest_ids(courier) == ["budget-passes@mastodon", "heat-islands@mastodon"]
    assert manifest_ids(gazette) == ["gallery-east-wing@mastodon"]
    assert not (workspace / "output" / "manifest.json").exists()
    lines = run.stdout.splitlines()
    assert "[sites/courier] smmgen: built The Northbridge Courier -> output/" in lines
    assert "[sites/gazette] smmgen: built The Gazette -> output/" in lines
    # Sites in the order of their folders, every line of a site's report under its prefix.
    assert lines.index("[sites/gazette] smmgen: built The Gazette -> output/") > \
        max(i for i, line in enumerate(lines) if line.startswith("[sites/courier]"))
    assert all(line.startswith(("[sites/courier] ", "[sites/gazette] ", "smmgen: preview index"))
               for line in lines)
    check = smmgen("check")
    assert check.exit_code == 0, check.output
    assert "[sites/courier] smmgen: 2 articles, 2 cuts: all within their limits" in check.stdout
    assert "[sites/gazette] smmgen: 1 articles, 1 cuts: all within their limits" in check.stdout


def test_the_combined_preview_index_links_every_site_with_its_counts_and_is_deterministic(workspace: Path) -> None:
    run = smmgen("preview")
    assert run.exit_code == 0, run.output
    assert "smmgen: preview index of 2 sites: output/index.html" in run.stdout
    index = workspace / "output" / "index.html"
    page = index.read_text()
    for name, posts in (("courier", 2), ("gazette", 1)):
        href = f"../sites/{name}/output/preview/index.html"
        assert f'<a href="{href}">sites/{name} ' in page
        assert (index.parent / href).resolve().is_file()
        assert f'<td class="n">{posts}</td>' in page.split(f"sites/{name} ", 1)[1].split("</tr>", 1)[0]
    assert str(workspace) not in page and "default-src 'none'" in page
    first = index.read_bytes()
    assert smmgen("build").exit_code == 0
    assert index.read_bytes() == first


def test_site_picks_one_site_by_folder_name_or_path_and_an_unknown_one_lists_the_sites(workspace: Path,
                                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    run = smmgen("build", "--site", "gazette")
    assert run.exit_code == 0, run.output
    assert (workspace / "sites" / "gazette" / "output" / "manifest.json").is_file()
    assert not (workspace / "sites" / "courier" / "output").exists()
    assert "[sites/courier]" not in run.output
    # One site built: the index of every site is left for a run over all of them.
    assert not (workspace / "output" / "index.html").exists()
    assert smmgen("check", "--site", "sites/courier").exit_code == 0
    assert smmgen("check", "--site", str(workspace / "sites" / "courier")).exit_code == 0
    unknown = smmgen("build", "--site", "tribune")
    assert unknown.exit_code == 1
    assert "no site 'tribune' in the workspace smmgen.toml (its sites: sites/courier, sites/gazette)" in unknown.output
    assert "Traceback" not in unknown.output
    # From elsewhere, --site names the workspace's folder (every site) or a site's.
    monkeypatch.chdir(workspace.parent)
    both = smmgen("check", "--site", "repo")
    assert both.exit_code == 0 and "[sites/courier]" in both.stdout and "[sites/gazette]" in both.stdout
    alone = smmgen("check", "--site", "repo/sites/gazette")
    assert alone.exit_code == 0 and alone.stdout.startswith("smmgen: 1 articles")


def test_inside_a_site_folder_a_command_works_on_that_site_alone(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace / "sites" / "gazette" / "content")
    run = smmgen("build")
    assert run.exit_code == 0, run.output
    assert run.stdout.startswith("smmgen: built The Gazette -> output/")
    assert not (workspace / "sites" / "courier" / "output").exists()


def test_one_broken_site_does_not_stop_the_other_and_the_run_fails(workspace: Path) -> None:
    broken = workspace / "sites" / "courier" / "content" / "2026" / "2026-11-24-budget-passes.md"
    broken.write_text(broken.read_text().replace("date: 2026-11-24", "date: tomorrow-ish\nx: 2026-11-24", 1))
    run = smmgen("build", env={"GITHUB_ACTIONS": "true"})
    assert run.exit_code == 1
    assert manifest_ids(workspace / "sites" / "gazette") == ["gallery-east-wing@mastodon"]
    assert not (workspace / "sites" / "courier" / "output").exists()
    assert "[sites/courier] content/2026/2026-11-24-budget-passes.md:" in run.stderr
    assert "date: not a date" in run.stderr
    # The annotation names the file from the workspace root, where GitHub looks for it.
    assert "::error file=sites/courier/content/2026/2026-11-24-budget-passes.md,line=" in run.stdout
    assert run.stderr.rstrip().endswith("Error: 1 of 2 sites failed: sites/courier")
    page = (workspace / "output" / "index.html").read_text()
    courier_row = page.split("sites/courier", 1)[1].split("</tr>", 1)[0]
    assert '<td class="n bad">1</td>' in courier_row and "<a " not in page.split("sites/courier", 1)[0][-40:]
    assert '<a href="../sites/gazette/output/preview/index.html">' in page

    check = smmgen("check")
    assert check.exit_code == 1
    assert "[sites/gazette] smmgen: 1 articles, 1 cuts: all within their limits" in check.stdout
    # A site whose smmgen.toml does not load is one failed site too.
    (workspace / "sites" / "gazette" / "smmgen.toml").write_text("[site\n")
    both = smmgen("check")
    assert both.exit_code == 1 and "2 of 2 sites failed: sites/courier, sites/gazette" in both.stderr
    assert "[sites/gazette] smmgen.toml:1: " in both.stderr


def test_plan_json_is_one_document_and_the_summary_one_section_per_site(workspace: Path) -> None:
    plan = smmgen("plan", "--json", "--all", "--now", NOW)
    assert plan.exit_code == 0, plan.output
    doc = json.loads(plan.stdout)
    assert list(doc["sites"]) == ["sites/courier", "sites/gazette"]
    assert [e["id"] for e in doc["sites"]["sites/gazette"]["entries"]] == ["gallery-east-wing@mastodon"]
    table = smmgen("plan", "--all", "--now", NOW)
    assert "[sites/gazette] 1 post(s)" in table.stdout
    summary = smmgen("preview", "--summary")
    assert summary.exit_code == 0, summary.output
    text = summary.stdout
    assert text.startswith("## sites/courier\n\n### Social preview: The Northbridge Courier")
    assert "## sites/gazette\n\n### Social preview: The Gazette" in text
    assert not (workspace / "sites" / "courier" / "output").exists()      # --summary writes nothing


def test_new_in_a_workspace_needs_the_site(workspace: Path) -> None:
    run = smmgen("new", "Night trains return")
    assert run.exit_code == 1 and "a workspace of 2 sites: name one with --site (sites/courier, sites/gazette)" \
        in run.output
    made = smmgen("new", "Night trains return", "--site", "gazette")
    assert made.exit_code == 0, made.output
    assert list((workspace / "sites" / "gazette" / "content").rglob("*night-trains-return*"))


# --- publishing ---------------------------------------------------------------------------------------------------

@pytest.fixture
def published(tmp_path: Path, mastodon: Harness, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_workspace(tmp_path / "repo", publish=mastodon.table)
    monkeypatch.chdir(root)
    assert smmgen("build").exit_code == 0
    return root


def test_publish_posts_each_sites_entries_into_its_own_ledger(published: Path, mastodon: Harness) -> None:
    run = smmgen("publish", "--now", NOW, env=mastodon.env)
    assert run.exit_code == 0, run.output
    live = mastodon.live_texts()
    for site, slug in (("courier", "budget-passes"), ("courier", "heat-islands"), ("gazette", "gallery-east-wing")):
        built = joined_manifest(published / "sites" / site / "output" / "manifest.json")
        text = next(e["parts"][0] for e in built["entries"] if e["id"] == f"{slug}@mastodon")
        assert text in live, slug
    assert "[sites/gazette] posted      gallery-east-wing@mastodon" in run.output
    for name, ids in (("courier", {"budget-passes@mastodon", "heat-islands@mastodon"}),
                      ("gazette", {"gallery-east-wing@mastodon"})):
        ledger = json.loads((published / "sites" / name / ".smmgen" / "ledger.json").read_text())
        assert set(ledger["entries"]) == ids
        assert ledger["site"] == f"https://{name}.example.com"
    assert not (published / ".smmgen").exists()
    again = smmgen("publish", "--now", NOW, env=mastodon.env)
    assert again.exit_code == 0 and mastodon.live_texts() == live
    dry = smmgen("publish", "--now", NOW, "--dry-run", "--json", env=mastodon.env)
    assert dry.exit_code == 0, dry.output
    assert set(json.loads(dry.stdout)["sites"]) == {"sites/courier", "sites/gazette"}


def test_each_site_has_its_own_lock(published: Path, mastodon: Harness) -> None:
    ledger = published / "sites" / "courier" / ".smmgen" / "ledger.json"
    with acquire(ledger, dt.timedelta(hours=1)):
        run = smmgen("publish", "--now", NOW, env=mastodon.env)
    assert run.exit_code == 1
    assert "[sites/courier] Error: " in run.stderr and "1 of 2 sites failed: sites/courier" in run.stderr
    built = joined_manifest(published / "sites" / "gazette" / "output" / "manifest.json")
    assert mastodon.live_texts() == [built["entries"][0]["parts"][0]]


def test_a_ledger_of_one_site_is_refused_by_the_other(published: Path, mastodon: Harness) -> None:
    assert smmgen("publish", "--now", NOW, "--site", "courier", env=mastodon.env).exit_code == 0
    live = mastodon.live_texts()
    assert live and not any("/gallery-east-wing/" in text for text in live)
    # The courier's ledger handed to the gazette (copied, or named with --ledger).
    taken = published / "sites" / "gazette" / ".smmgen" / "ledger.json"
    shutil.copy(published / "sites" / "courier" / ".smmgen" / "ledger.json", taken)
    before = taken.read_bytes()
    run = smmgen("publish", "--now", NOW, env=mastodon.env)
    assert run.exit_code == 1
    assert ("[sites/gazette] Error: .smmgen/ledger.json: site: this ledger belongs to https://courier.example.com, "
            "not to https://gazette.example.com") in run.stderr
    assert "1 of 2 sites failed: sites/gazette" in run.stderr
    assert taken.read_bytes() == before and mastodon.live_texts() == live
    named = smmgen("publish", "--now", NOW, "--site", "gazette", "--ledger",
                   str(published / "sites" / "courier" / ".smmgen" / "ledger.json"), env=mastodon.env)
    assert named.exit_code == 1 and "this ledger belongs to https://courier.example.com" in named.stderr
    assert mastodon.live_texts() == live


def test_adopt_runs_per_site(published: Path) -> None:
    run = smmgen("adopt", "--before", "2026-12-01")
    assert run.exit_code == 0, run.output
    assert "[sites/courier] adopted 2 posts" in run.stdout and "[sites/gazette] adopted 1 posts" in run.stdout
    ledger = json.loads((published / "sites" / "gazette" / ".smmgen" / "ledger.json").read_text())
    assert ledger["site"] == "https://gazette.example.com"


# --- what a workspace may list ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sites", "message"), [
    ("[]", "smmgen.toml:3: workspace.sites: lists no site"),
    ('["pages/*"]', "smmgen.toml:3: workspace.sites: 'pages/*' matches no folder holding a smmgen.toml"),
    ('["../elsewhere/*"]', 'smmgen.toml:3: workspace.sites: item 1: a folder pattern inside the workspace'),
    ('["/srv/sites/*"]', 'smmgen.toml:3: workspace.sites: item 1: a folder pattern inside the workspace'),
    ('"sites/*"', "smmgen.toml:3: workspace.sites: expected a list"),
    ('["sites/c**"]', "smmgen.toml:3: workspace.sites: 'sites/c**': not a usable pattern"),
])
def test_a_workspace_without_sites_or_with_patterns_leaving_it_is_refused(tmp_path: Path, sites: str,
                                                                         message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "repo", sites=sites)
    (tmp_path / "elsewhere" / "x").mkdir(parents=True)
    shutil.copy(root / "sites" / "gazette" / "smmgen.toml", tmp_path / "elsewhere" / "x" / "smmgen.toml")
    monkeypatch.chdir(root)
    for command in ("build", "check", "publish"):
        run = smmgen(command)
        assert run.exit_code == 1 and message in run.output, run.output
        assert "Traceback" not in run.output
    assert not (root / "sites" / "gazette" / "output").exists()


def test_a_site_linked_to_a_folder_outside_the_workspace_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "repo")
    outside = tmp_path / "outside"
    shutil.copytree(root / "sites" / "gazette", outside)
    (root / "sites" / "tribune").symlink_to(outside, target_is_directory=True)
    monkeypatch.chdir(root)
    run = smmgen("build")
    assert run.exit_code == 1
    assert "smmgen.toml:3: workspace.sites: sites/tribune: a link to a folder outside the workspace; refused" \
        in run.output
    assert not (outside / "output").exists() and not (root / "sites" / "gazette" / "output").exists()
    # Naming it does not get round the refusal.
    assert smmgen("build", "--site", "sites/tribune").exit_code == 1 and not (outside / "output").exists()


def test_a_site_may_not_be_a_workspace_itself_and_the_root_may_not_be_a_site(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "repo")
    config = root / "sites" / "gazette" / "smmgen.toml"
    config.write_text(config.read_text() + '\n[workspace]\nsites = ["*"]\n')
    monkeypatch.chdir(root)
    run = smmgen("check")
    assert run.exit_code == 1
    assert "sites/gazette: a site of a workspace cannot itself be a workspace" in run.output
    (root / "smmgen.toml").write_text('[workspace]\nsites = ["sites/courier"]\n\n[site]\nname = "X"\n')
    mixed = smmgen("check")
    assert mixed.exit_code == 1 and "smmgen.toml:4: site: unknown key (known keys: workspace)" in mixed.output


def test_duplicate_and_overlapping_patterns_list_each_site_once_in_folder_order(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "repo", sites='["sites/gazette", "sites/*", "sites/courier/"]')
    (root / "sites" / "courier-link").symlink_to(root / "sites" / "courier", target_is_directory=True)
    (root / "sites" / "assets").mkdir()                 # no smmgen.toml: not a site
    monkeypatch.chdir(root)
    run = smmgen("check")
    assert run.exit_code == 0, run.output
    prefixes = [line.split("]", 1)[0] + "]" for line in run.stdout.splitlines()]
    assert prefixes == ["[sites/courier]", "[sites/gazette]"]


def test_two_sites_with_one_base_url_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Their ledgers name the same site: each would take the other's for its own.
    root = make_workspace(tmp_path / "repo")
    config = root / "sites" / "gazette" / "smmgen.toml"
    config.write_text(config.read_text().replace("https://gazette.example.com", "https://courier.example.com/"))
    monkeypatch.chdir(root)
    run = smmgen("publish")
    assert run.exit_code == 1
    assert ("smmgen.toml:3: workspace.sites: sites/courier and sites/gazette have the same [site] base_url "
            "(https://courier.example.com/)") in run.output


def test_serve_at_the_root_serves_the_combined_index_and_every_sites_preview(tmp_path: Path) -> None:
    import re

    import requests
    from support.serving import ServeProcess

    root = make_workspace(tmp_path / "repo")
    broken = root / "sites" / "gazette" / "content" / "2026" / "2026-11-22-gallery-east-wing.md"
    broken.write_text(broken.read_text().replace("date: 2026-11-22", "date: tomorrow-ish\nx: 2026-11-22", 1))
    server = ServeProcess(root)
    try:
        assert server.url == f"http://127.0.0.1:{server.port}/"
        page = requests.get(server.url, timeout=10)
        assert page.status_code == 200 and "Social preview: every site" in page.text
        links = dict(re.findall(r'<a href="(http://127\.0\.0\.1:\d+/preview/index\.html)">(sites/\w+)', page.text))
        assert sorted(links.values()) == ["sites/courier", "sites/gazette"]
        for url, name in links.items():
            preview = requests.get(url, timeout=10)
            assert preview.status_code == 200, name
            if name == "sites/courier":
                assert "Parliament passes the 2027 budget" in preview.text
            else:                               # the broken site's preview shows its error
                assert "not a date" in preview.text
        gazette_row = page.text.split("sites/gazette", 1)[1].split("</tr>", 1)[0]
        assert 'class="n bad"' in gazette_row
        # Only loopback names, as the site servers.
        refused = requests.get(server.url, headers={"Host": "attacker.example"}, timeout=10)
        assert refused.status_code == 403
        assert "[sites/gazette] build failed" in server.output()
    finally:
        server.stop()


def test_diff_and_relative_paths_resolve_inside_each_site(workspace: Path) -> None:
    assert smmgen("build").exit_code == 0
    run = smmgen("diff", "--no-base", "output/manifest.json")
    assert run.exit_code == 0, run.output
    courier, gazette = run.stdout.split("## sites/gazette\n", 1)
    assert courier.startswith("## sites/courier\n\n## Social posts: what this merge will do")
    assert "Parliament passes" in courier and "east wing" not in courier
    assert "east wing" in gazette and "Parliament passes" not in gazette


def test_loading_the_workspace_file_as_a_site_says_what_it_is(workspace: Path) -> None:
    from smmgen.config.site import load_site
    from smmgen.errors import SmmgenError

    with pytest.raises(SmmgenError) as caught:
        load_site(workspace)
    assert caught.value.message == ("smmgen.toml:2: workspace: this smmgen.toml lists the sites of a workspace and "
                                    "is no site itself: run smmgen in a site's folder, or name one with --site")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="ab:\n ,=é", max_size=12), max_size=8))
def test_prefixed_lines_do_not_depend_on_how_the_text_was_written(chunks: list[str]) -> None:
    import io

    from smmgen.cli.per_site import Prefixed

    whole, pieces = io.StringIO(), io.StringIO()
    one = Prefixed(whole, "sites/a")
    one.write("".join(chunks))
    one.finish()
    many = Prefixed(pieces, "sites/a")
    for chunk in chunks:
        many.write(chunk)
    many.finish()
    assert pieces.getvalue() == whole.getvalue()
    lines = whole.getvalue().splitlines()
    assert len(lines) == len("".join(chunks).splitlines())
    assert all(line.startswith(("[sites/a]", "::")) for line in lines)


def test_check_live_runs_per_site_against_each_sites_own_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes.server import Response
    from fakes.sitehost import SiteHost
    from support.publishing import T0, iso
    from support.served_site import ALLOW, article, right_page, served_site, write_manifest

    root = tmp_path / "repo"
    root.mkdir(parents=True)
    (root / "smmgen.toml").write_text('[workspace]\nsites = ["sites/*"]\n')
    with SiteHost(root / "sites" / "courier" / "output" / "cards") as good, \
            SiteHost(root / "sites" / "gazette" / "output" / "cards") as bad:
        for name, host in (("courier", good), ("gazette", bad)):
            site = served_site(root / "sites" / name, host, '[publish.mastodon]\ninstance = "https://social.example"\n')
            entries, og = article(site, host, "budget-vote", ("mastodon",))
            write_manifest(site, host, entries)
            if host is good:
                host.pages["/budget-vote/"] = Response(200, right_page(og).body.replace(
                    b"</head>", f'<link rel="canonical" href="{host.url}/budget-vote/"></head>'.encode()),
                    {"Content-Type": "text/html"})
        monkeypatch.chdir(root)
        run = CliRunner().invoke(main, ["check", "--live", "--now", iso(T0)], env=ALLOW)
        assert good.gets("/budget-vote/") == 1 and bad.gets("/budget-vote/") == 1
    assert run.exit_code == 1
    assert "[sites/courier] smmgen: 1 page(s) due within 48 h: their cards and tags are live" in run.output
    assert f"[sites/gazette] {bad.url}/budget-vote/: page: answers HTTP 404" in run.output
    assert "1 of 2 sites failed: sites/gazette" in run.output
