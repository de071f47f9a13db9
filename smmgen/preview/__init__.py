"""The static preview (output/preview/): every cut as a mock-up of the platform's post, and the content plan.

``iter_preview(result)`` gives the files one at a time; ``smmgen.build.pipeline.write_output`` writes them with the rest of
output/ as they come.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jinja2

from smmgen.errors import ConfigError


def iter_preview(result, reuse=None) -> Iterator[tuple[Path, Any]]:
    """Files of the preview with their absolute path under the output dir, one at a time: bytes, blocks of
    bytes, or ``pages.UNCHANGED`` (``reuse``: see ``smmgen.preview.pages.iter_pages``).

    Raises ConfigError when a preview template (a site override in layouts/preview/) is broken.
    """
    from smmgen.preview.pages import Unchanged, iter_pages

    site = result.site
    try:
        for relative, data in iter_pages(result, reuse=reuse):
            yield site.output_dir / relative, data if isinstance(data, (bytes, Unchanged)) else _reported(data, site)
    except Exception as e:          # noqa: BLE001 - a template failed (reported), or smmgen did (re-raised)
        raise _template_error(e, site) from None


def _reported(blocks: Iterable[bytes], site) -> Iterator[bytes]:
    try:
        yield from blocks
    except Exception as e:          # noqa: BLE001
        raise _template_error(e, site) from None


def _template_error(e: Exception, site) -> Exception:
    from smmgen.build.templates import template_frame

    frame = template_frame(e)
    if not isinstance(e, jinja2.TemplateError):
        if frame is None or isinstance(e, ConfigError):
            return e                # not a template's doing: raised as it was
        e = jinja2.TemplateError(f"{type(e).__name__}: {e}")
    name = getattr(e, "filename", None) or (frame[0] if frame else None) or getattr(e, "name", None) \
        or "layouts/preview"
    return ConfigError(site.rel(Path(name)), None, f"preview template error: {e}",
                       line=getattr(e, "lineno", None) or (frame[1] if frame else None))
