"""Site.rel_all gives what Site.rel gives, path by path; find_article_files keeps its order."""

from __future__ import annotations

import os
from pathlib import Path

from smmgen.config.site import load_site
from smmgen.content.reading import find_article_files


def test_rel_all_is_rel_of_each_path(make_site, tmp_path: Path) -> None:
    root = make_site.root
    plain = make_site.article("2026/plain.md", "x")
    nested = make_site.article("2026/deep/nested.md", "x")
    outside = tmp_path / "elsewhere" / "outside.md"
    outside.parent.mkdir()
    outside.write_text("x")
    content = root / "content"
    os.symlink(nested, content / "2026" / "file-link.md")                 # a link to a file inside
    os.symlink(outside, content / "2026" / "out-link.md")                 # a link to a file outside
    os.symlink(content / "2026" / "deep", content / "folder-link")         # a linked folder
    os.symlink(content / "2026" / "loop.md", content / "2026" / "loop.md")  # a link to itself
    site = load_site(root)
    paths = [
        plain, nested, content / "2026" / "file-link.md", content / "2026" / "out-link.md",
        content / "folder-link" / "nested.md", content / "2026" / "missing.md", outside,
        content / "2026" / ".." / "2026" / "plain.md", content / "2026" / "..", Path("relative.md"),
        content / "2026" / "loop.md",
    ]
    expected = []
    for path in paths:
        try:
            expected.append(site.rel(path))
        except RuntimeError:                        # Path.resolve on a symbolic link loop
            expected.append(RuntimeError)
    got = []
    for path in paths:
        try:
            got.extend(site.rel_all([path]))
        except RuntimeError:
            got.append(RuntimeError)
    assert got == expected
    assert expected[:5] == ["content/2026/plain.md", "content/2026/deep/nested.md", "content/2026/deep/nested.md",
                            "content/2026/out-link.md", "content/2026/deep/nested.md"]
    without_loop = paths[:-1]
    assert site.rel_all(without_loop) == expected[:-1]     # the same, folders shared


def test_article_files_are_sorted_by_path_below_content(make_site) -> None:
    for name in ("a-b/x.md", "a/b.md", "a/a/z.md", "B.md", "a.md", ".hidden.md", "notes.txt", "dir.md/y.md"):
        make_site.article(name, "x")
    site = load_site(make_site.root)
    found = [p.relative_to(site.content_dir).as_posix() for p in find_article_files(site)]
    assert found == sorted(found)
    # "a-b/x.md" sorts before "a/b.md" as text ('-' < '/'), which a sort by path parts would not give.
    assert found == ["B.md", "a-b/x.md", "a.md", "a/a/z.md", "a/b.md", "dir.md/y.md"]
