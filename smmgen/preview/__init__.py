"""The static preview (output/preview/): every cut as a mock-up of the platform's post, and the content plan.

``render_preview(result)`` gives the files; ``smmgen.build.write_output`` writes them with the rest of output/.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from ..errors import ConfigError


def render_preview(result, reuse=None) -> dict[Path, bytes]:
    """Files of the preview, keyed by absolute path under the output dir (``reuse``: see ``render_pages``).

    Raises ConfigError when a preview template (a site override in layouts/preview/) is broken.
    """
    from .pages import render_pages

    site = result.site
    try:
        files = render_pages(result, reuse=reuse)
    except jinja2.TemplateError as e:
        name = getattr(e, "filename", None) or getattr(e, "name", None) or "layouts/preview"
        raise ConfigError(site.rel(Path(name)), None, f"preview template error: {e}",
                          line=getattr(e, "lineno", None)) from None
    return {site.output_dir / relative: data for relative, data in files.items()}
