"""No credential reaches stderr, a log line, the ledger or an exception's message, in any form a platform may
echo it back: raw, JSON-escaped (with and without ASCII escapes), percent-encoded (quote and quote_plus, upper
and lower-case hex), form-encoded, base64 alone and as ``user:secret`` (Basic auth), HTML-escaped.

The credentials are drawn from arbitrary text (quotes, backslashes, non-ASCII, ``+``, ``/``, ``%``, spaces) for
the Bluesky app password, which travels in a JSON body; from printable ASCII for the tokens that travel in a
header or a query. A server on 127.0.0.1 answers every request with an error that carries the credential in
all of those forms, in its body (JSON or text), in a redirect's URL and in headers; the publish command runs
in-process with DEBUG logging."""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner
from fakes.server import FakeServer, Request, Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmgen import redact
from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.publish import registry, runner
from smmgen.publish.base import AdapterContext, Post
from smmgen.publish.http import Budget, HttpConfig
from smmgen.publish.ledger import Ledger, Record

pytest.register_assert_rewrite("support.publishing")
from support.publishing import T0, entry, env_without_secrets, iso, write_manifest, write_site

HANDLE = "courier.example.com"
# Each platform, the variables it reads (the secret goes in the last), and its [publish.<name>] table.
PLATFORMS = {
    "bluesky": ({"SMMGEN_BLUESKY_HANDLE": HANDLE}, "SMMGEN_BLUESKY_APP_PASSWORD", 'service = "{url}"'),
    "mastodon": ({}, "SMMGEN_MASTODON_TOKEN", 'instance = "https://social.example"\napi_base = "{url}"'),
    "facebook": ({}, "SMMGEN_FACEBOOK_PAGE_TOKEN", 'page_id = "104955112233445"\napi_base = "{url}"'),
    "x": ({}, "SMMGEN_X_BEARER_TOKEN", 'api_base = "{url}"'),
    "linkedin": ({}, "SMMGEN_LINKEDIN_TOKEN", 'author = "urn:li:organization:2414183"\napi_base = "{url}"'),
}
FAST = ("[publish]\npreflight = false\nconnect_timeout = 1.0\nread_timeout = 2.0\nmax_attempts = 2\nbackoff = 0.01\n"
        "retry_budget = 0.2\n")

SPECIAL = "\"\\'+/%&=?#:;<>"
token_chars = st.one_of(st.sampled_from(SPECIAL), st.characters(min_codepoint=0x21, max_codepoint=0x7E))
text_chars = st.one_of(st.sampled_from(SPECIAL + " é€日😀\u00a0"), st.characters(blacklist_categories=("Cs", "Cc")))


def credentials(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(chars, min_size=8, max_size=32).map(str.strip).filter(lambda s: len(s) >= 8)


def encodings(secret: str) -> dict[str, str]:
    """Every form the secret must not appear in."""
    forms = {
        "raw": secret,
        "json": json.dumps(secret)[1:-1],
        "json-utf8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "quote": quote(secret, safe=""),
        "quote-lower": _lower_hex(quote(secret, safe="")),
        "quote_plus": quote_plus(secret),
        "quote_plus-lower": _lower_hex(quote_plus(secret)),
        "base64": base64.b64encode(secret.encode()).decode(),
        "basic": base64.b64encode(f"{HANDLE}:{secret}".encode()).decode(),
        "urlsafe-base64": base64.urlsafe_b64encode(secret.encode()).decode(),
        "html": html.escape(secret),
    }
    return forms


def _lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), text)


def leaky(secret: str, padding: int) -> str:
    """An error text that carries the secret in every form, the first at ``padding`` characters."""
    forms = encodings(secret)
    return ("." * padding + f" invalid password {forms['raw']} | body {{\"password\": \"{forms['json']}\"}} | "
            f"{forms['json-utf8']} | redirect https://auth.example/cb?token={forms['quote']}&t={forms['quote-lower']} | "
            f"form access_token={forms['quote_plus']}&x={forms['quote_plus-lower']} | "
            f"Authorization: Basic {forms['basic']} | {forms['base64']} {forms['urlsafe-base64']} | "
            f"<p>{forms['html']}</p>")


class Echo(FakeServer):
    """Answers every request with ``answer``; a request that follows a redirect gets ``after``."""

    answer = Response(500)
    after = Response(500)

    def handle(self, request: Request) -> Response:
        return self.after if "followed" in request.query else self.answer


@pytest.fixture(scope="module")
def echo() -> Iterator[Echo]:
    with Echo() as server:
        yield server


def answer(kind: str, status: int, text: str, secret: str, url: str) -> tuple[Response, Response]:
    forms = encodings(secret)
    headers = {"WWW-Authenticate": f'Basic realm="{forms["basic"]}"', "X-Debug-Token": forms["quote"],
               "Set-Cookie": f"session={forms['base64']}"}
    if kind == "json":
        body = {"error": text, "message": text, "description": text, "detail": text, "title": text,
                "errors": [{"message": text}]}
        return Response(status, body, headers), Response(status, body, headers)
    if kind == "graph":
        body = {"error": {"message": text, "error_user_msg": text, "code": 100, "type": "OAuthException"}}
        return Response(status, body, headers), Response(status, body, headers)
    if kind == "redirect":
        # The platform sends the client on to a URL that carries the token (followed, then an error).
        target = f"{url}/login?followed=1&access_token={forms['quote_plus']}&p={forms['quote']}"
        return (Response(302, b"", {**headers, "Location": target}),
                Response(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"}))
    ctype = "text/html; charset=utf-8" if kind == "html" else "text/plain"   # no charset: requests uses Latin-1
    return (Response(status, text.encode(), {**headers, "Content-Type": ctype}),) * 2  # type: ignore[return-value]


def site_for(folder: Path, name: str, url: str) -> Path:
    table = PLATFORMS[name][2].format(url=url)
    site = write_site(folder, f"[publish.{name}]\n{table}\n")
    text = (site / "smmgen.toml").read_text()
    start = text.index("[publish]\n")
    end = text.index("\n\n", start) if "\n\n" in text[start:] else len(text)
    (site / "smmgen.toml").write_text(text[:start] + FAST + text[end:])
    write_manifest(site, [entry("budget-vote", name, "Budget passes 31–12 after a long night", media=[])])
    return site


def check_no_leak(secret: str, texts: dict[str, str]) -> None:
    for form, encoded in encodings(secret).items():
        for where, text in texts.items():
            assert encoded not in text, f"the secret ({form}) is in {where}: {text!r}"


def publish_leaks(echo: Echo, name: str, secret: str, kind: str, status: int, padding: int,
                  caplog: pytest.LogCaptureFixture) -> None:
    echo.answer, echo.after = answer(kind, status, leaky(secret, padding), secret, echo.url)
    base_env, variable, _ = PLATFORMS[name]
    env = {**base_env, variable: secret}
    caplog.clear()
    with tempfile.TemporaryDirectory() as folder:
        site = site_for(Path(folder), name, echo.url)
        result = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", iso(T0)], env=env)
        assert result.exit_code == 1 and not isinstance(result.exception, AssertionError), result.output
        texts = {"stdout": result.stdout, "stderr": result.stderr, "log": caplog.text,
                 "ledger": (site / ".smmgen" / "ledger.json").read_text()}
        assert json.loads(texts["ledger"])["entries"]["budget-vote@" + name]["last_error"]
        # The adapter on its own: the exception it raises, and its repr.
        config = HttpConfig(connect_timeout=1.0, read_timeout=2.0, max_attempts=1, retry_budget=0)
        ctx = AdapterContext(name, runner.platform_settings(name, load_site(site).publish), {}, env, config,
                             Budget(0))
        adapter = registry.open_adapter(ctx)
        e = entry("budget-vote", name, "Budget passes", media=[])
        with pytest.raises(Exception) as caught:
            adapter.create(Post.from_entry(e, site / "output", T0))
        adapter.close()
        texts |= {"exception": f"{caught.value} {caught.value!r} {getattr(caught.value, 'detail', '')}",
                  "repr": repr(adapter), "context": repr(ctx)}
    check_no_leak(secret, texts)


KINDS = st.sampled_from(["json", "graph", "text", "html", "redirect"])
STATUSES = st.sampled_from([400, 401, 403, 404, 422, 500, 503])
PADDING = st.one_of(st.just(0), st.integers(200, 320))
EXAMPLES = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def debug_logging(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


@EXAMPLES
@given(secret=credentials(text_chars), kind=KINDS, status=STATUSES, padding=PADDING)
def test_bluesky_app_password_of_any_text_never_leaks(echo: Echo, caplog: pytest.LogCaptureFixture, secret: str,
                                                       kind: str, status: int, padding: int) -> None:
    publish_leaks(echo, "bluesky", secret, kind, status, padding, caplog)


@pytest.mark.parametrize("name", ["mastodon", "facebook", "x", "linkedin"])
@EXAMPLES
@given(secret=credentials(token_chars), kind=KINDS, status=STATUSES, padding=PADDING)
def test_tokens_never_leak(echo: Echo, caplog: pytest.LogCaptureFixture, name: str, secret: str, kind: str,
                           status: int, padding: int) -> None:
    publish_leaks(echo, name, secret, kind, status, padding, caplog)


def test_a_real_process_shows_no_secret_on_stderr_or_stdout(echo: Echo, tmp_path: Path) -> None:
    """``smmgen publish`` as CI runs it: its own process, warnings from any library on stderr."""
    secret = 'pä"s\\s/w+ö%rd €'
    echo.answer, echo.after = answer("json", 400, leaky(secret, 290), secret, echo.url)
    site = site_for(tmp_path, "bluesky", echo.url)
    done = subprocess.run([sys.executable, "-m", "smmgen", "publish", "--site", str(site), "--now", iso(T0)],
                          env={**env_without_secrets(), "SMMGEN_BLUESKY_HANDLE": HANDLE,
                               "SMMGEN_BLUESKY_APP_PASSWORD": secret},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "failed      budget-vote@bluesky" in done.stderr, done.stderr
    check_no_leak(secret, {"stdout": done.stdout, "stderr": done.stderr,
                           "ledger": (site / ".smmgen" / "ledger.json").read_text()})


@settings(max_examples=100, deadline=None)
@given(secret=credentials(text_chars), padding=st.integers(0, 340), tail=st.text(max_size=20))
def test_a_secret_cut_by_the_length_bound_leaves_no_part_behind(secret: str, padding: int, tail: str) -> None:
    """The ledger keeps at most 300 characters of an error, scrubbed first: a secret straddling the bound
    leaves no prefix of itself behind, and neither do control characters or line breaks inside it."""
    redact.remember_secret(secret)
    filler = next(c for c in "x-·_" if c not in secret)
    message = filler * padding + secret + tail
    ledger = Ledger(Path("unused"), read_only=True)
    ledger.put(Record(id="a@bluesky", platform="bluesky", state="pending", last_error=message))
    kept = ledger.get("a@bluesky").last_error  # type: ignore[union-attr]
    assert len(kept) <= 300 and "\n" not in kept and not any(ord(c) < 0x20 for c in kept)
    cut = kept.removesuffix("…")[padding:]
    assert not (len(cut) >= 4 and secret.startswith(cut)), kept


def test_a_credential_echoed_in_a_post_url_or_the_adapters_state_is_not_stored(tmp_path: Path) -> None:
    secret = 'Ztok/en+"é'
    redact.remember_secret(secret)
    ledger = Ledger(tmp_path / "ledger.json")
    ledger.put(Record(id="a@facebook", platform="facebook", state="posted", remote_id="1_2",
                      url=f"https://www.facebook.com/1/posts/2?access_token={quote_plus(secret)}",
                      remote={"ids": ["1_2"], "next": {"href": f"/x?t={quote(secret, safe='')}", "n": 3}}))
    stored = (tmp_path / "ledger.json").read_text()
    check_no_leak(secret, {"ledger": stored})
    assert json.loads(stored)["entries"]["a@facebook"]["remote"]["ids"] == ["1_2"]
    assert Ledger.load(tmp_path / "ledger.json").get("a@facebook").url == (  # type: ignore[union-attr]
        "https://www.facebook.com/1/posts/2?access_token=***")


def test_a_secret_split_by_a_line_break_is_caught_after_joining() -> None:
    redact.remember_secret("Qline Qbreak Qsecret")
    assert redact.summary("error: Qline\nQbreak   Qsecret!") == "error: ***!"


def test_a_secret_inside_a_longer_one_leaves_nothing_of_the_longer_one() -> None:
    redact.remember_secret("Kshort-tokenK")
    redact.remember_secret("Kthe Kshort-tokenK and more")
    assert redact.scrub("a Kthe Kshort-tokenK and more b") == "a *** b"
    assert redact.summary("a Kthe\nKshort-tokenK  and more b") == "a *** b"


def test_a_logged_traceback_is_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    secret = "Ytraceback-token/+"
    redact.remember_secret(secret)
    try:
        raise ValueError(f"bad URL https://api.example/bot{quote(secret)}/send and {secret}")
    except ValueError:
        logging.getLogger("urllib3.connectionpool").exception("request to %s failed", f"/bot{secret}")
    assert "request to /bot*** failed" in caplog.text and "bad URL https://api.example/bot***/send" in caplog.text
    check_no_leak(secret, {"log": caplog.text})


def test_no_credential_at_all_leaves_text_as_it_is() -> None:
    assert redact.summary("plain  text\nhere\x00", 300) == "plain text here"
    assert redact.scrub("nothing to see") == "nothing to see"

