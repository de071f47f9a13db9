"""A Markdown summary of the preview for a pull request ($GITHUB_STEP_SUMMARY): article × platform.

Every cell is length/limit, status and the warnings; text from articles is escaped so that a title can neither
break the table nor inject markup.
"""

from __future__ import annotations

import re

from smmgen.preview.model import PreviewData, preview_data

ICONS = {"ok": "✅", "warning": "⚠️", "error": "❌"}


def md_escape(text: str) -> str:
    """Plain text safe inside a Markdown table cell (no pipes, no HTML, no line breaks, no link syntax)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"[\r\n]+", " ", text)
    return re.sub(r"([\\|`*_\[\]#~])", r"\\\1", text)


def markdown_summary(result, *, title: str | None = None) -> str:
    """The table for a build (failed or not): one row per article, newest first, one column per platform."""
    return render_markdown(preview_data(result), title=title)


def render_markdown(data: PreviewData, *, title: str | None = None) -> str:
    platforms = data.platforms
    articles = data.articles
    counts = {status: sum(1 for a in articles for p in a.posts if p.status == status)
              for status in ("ok", "warning", "error")}
    posts = sum(counts.values())
    lines = [f"### {md_escape(title or 'Social preview: ' + data.site_name)}", ""]
    lines.append(f"{len([a for a in articles if a.page])} articles, {posts} posts: "
                 f"{counts['ok']} ok, {counts['warning']} with warnings, {counts['error']} with errors; "
                 f"{sum(a.warning_count for a in articles)} warning(s)."
                 + (f" **{data.error_count} build error(s).**" if data.error_count else ""))
    lines.append("")
    if data.errors:
        lines += [f"- ❌ {md_escape(m)}" for m in data.errors] + [""]
    if not articles:
        lines.append("No articles.")
        return "\n".join(lines) + "\n"
    lines.append("| Article | " + " | ".join(md_escape(t) for _, t in platforms) + " |")
    lines.append("|---|" + "---|" * len(platforms))
    for article in articles:
        by_platform: dict[str, list] = {}
        for post in article.posts:          # a platform's accounts, each its own post
            by_platform.setdefault(post.platform, []).append(post)
        head = f"{ICONS[article.status]} **{md_escape(article.title)}**<br>{md_escape(article.source)}"
        for message in article.errors:
            head += f"<br>❌ {md_escape(message)}"
        cells = []
        for name, _ in platforms:
            posts_here = by_platform.get(name)
            if not posts_here:
                cells.append("—")
                continue
            cells.append("<br>".join(_cell(post) for post in posts_here))
        lines.append(f"| {head} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Counts are length/limit in each platform's unit; the preview artifact shows every post as a "
                 "mock-up.")
    return "\n".join(lines) + "\n"


def _cell(post) -> str:
    # An account besides the platform's default one is named by its handle.
    cell = f"{md_escape(post.account.handle)}: " if post.anchor != post.platform else ""
    cell += f"{ICONS[post.status]} {post.counter}"
    if post.is_thread:
        cell += f" ×{len(post.parts)}"
    cell += "".join(f"<br>❌ {md_escape(m)}" for m in post.errors)
    cell += "".join(f"<br>⚠️ {md_escape(w)}" for w in post.warnings)
    return cell
