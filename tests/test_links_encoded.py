"""UTM tagging encodes a link's query a pair at a time, its own hosts known once: the very URLs
``urllib.parse.urlencode`` over the whole query gives."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.content.links import UTM_KEYS, with_utm

piece = st.text(alphabet="ab é&=+?#/%中 ~.", max_size=6)


def _reference(url: str, *, platform: str, slug: str, site) -> str:
    """``with_utm`` as it was written first: the whole query through ``urlencode``."""
    policy = site.utm
    host = (urlsplit(url).hostname or "").lower()
    if not policy.enabled or host not in {(urlsplit(site.base_url).hostname or "").lower(),
                                          *(h.lower() for h in policy.hosts)}:
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k in UTM_KEYS for k, _ in query):
        return url
    params = [("utm_source", policy.source), ("utm_medium", policy.medium), ("utm_campaign", policy.campaign)]
    if policy.content:
        params.append(("utm_content", policy.content))
    query += [(k, v.format(platform=platform, slug=slug)) for k, v in params]
    return urlunsplit(parts._replace(query=urlencode(query)))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["https://news.example", "https://www.News.example", "https://other.example"]),
       st.lists(st.tuples(piece, piece), max_size=3), piece, piece, st.sampled_from(["", "{slug}-{platform}"]),
       st.sampled_from([(), ("Other.example",)]))
def test_a_tagged_link_is_the_one_urlencode_gives(host, query, path, slug, content, hosts):
    url = f"{host}/{path}" + (f"?{urlencode(query)}" if query else "")
    site = SimpleNamespace(base_url="https://news.example", utm=SimpleNamespace(
        enabled=True, source="{platform}", medium="social", campaign="{slug}", content=content, hosts=hosts))
    for platform in ("x", "vk"):
        assert with_utm(url, platform=platform, slug=slug, site=site) == \
            _reference(url, platform=platform, slug=slug, site=site)


def test_a_sites_hosts_are_worked_out_once_and_shared_pairs_encoded_once():
    from smmgen.content import links

    site = SimpleNamespace(base_url="https://news.example", utm=SimpleNamespace(
        enabled=True, source="{platform}", medium="social", campaign="{slug}", content="", hosts=()))
    links._own_hosts.cache_clear()
    links._encoded.cache_clear()
    for platform in ("x", "mastodon", "bluesky", "threads", "facebook", "instagram", "linkedin", "telegram", "vk"):
        assert with_utm("https://news.example/a", platform=platform, slug="a", site=site).endswith(
            f"?utm_source={platform}&utm_medium=social&utm_campaign=a")
    assert links._own_hosts.cache_info().misses == 1
    assert links._encoded.cache_info().hits == 2 * 8              # medium and campaign: the same for all nine
