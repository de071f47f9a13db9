"""Golden files for every cut of the sample site: tests/golden/cuts/<slug>/<platform>.txt (the text, as
written to output/cuts/) and .json (measured lengths, limit, unit, link, hashtags, media, platform data and
warnings).

Never edit them by hand: after an intended change run ``pytest tests/test_golden_cuts.py --update-golden`` and
review the diff. The schedule is left out: it belongs to the content plan, which has its own tests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from smmgen.build.pipeline import build, cut_text_file, platforms_for
from smmgen.build.write import cut_file_name
from smmgen.config.site import load_site
from smmgen.platforms import registry

GOLDEN = Path(__file__).parent / "golden" / "cuts"


def meta(cut) -> bytes:
    data = {
        "lengths": list(cut.lengths),
        "limit": cut.limit,
        "unit": cut.unit,
        "link": cut.link,
        "tags": list(cut.tags),
        "media": [{"target": m.target, "role": m.role, "alt": m.alt} for m in cut.media],
        "extra": _plain(cut.extra),
        "warnings": list(cut.warnings),
    }
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _plain(value):
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def sample_cuts(sample_site: Path):
    site = load_site(sample_site)
    result = build(site, render_images=False)
    assert not result.errors, [e.message for e in result.errors]
    return site, result


def test_every_cut_of_the_sample_site_matches_its_golden_file(sample_site, update_golden):
    _, result = sample_cuts(sample_site)
    files = {}
    for cut in result.cuts:
        name = cut_file_name(cut).removesuffix(".txt")      # <platform>, or <platform>.<account>
        files[f"{cut.slug}/{name}.txt"] = cut_text_file(cut)
        files[f"{cut.slug}/{name}.json"] = meta(cut)
    if update_golden:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, data in files.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
        return
    existing = {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(existing), "cuts added or gone: run pytest --update-golden and review"
    changed = [name for name in sorted(files) if files[name] != existing[name]]
    assert not changed, f"cuts changed: {changed}; if intended, run pytest --update-golden, review the diff"


def test_all_nine_platforms_cut_every_sample_article(sample_site):
    site, result = sample_cuts(sample_site)
    assert [p.name for p in site.platforms] == list(registry.names())
    made = {(c.slug, c.platform) for c in result.cuts}
    for article in result.articles:
        wanted = platforms_for(article, site)
        assert {p for s, p in made if s == article.slug} == set(wanted)
        if article.social.platforms is None:
            assert len(wanted) == 9
    for cut in result.cuts:
        assert all(0 < length <= cut.limit for length in cut.lengths), cut.id
        assert cut.link and cut.media
