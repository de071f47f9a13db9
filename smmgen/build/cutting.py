"""Cutting one article: its cut for each platform and account it goes to (``cut_article``), and the plan's
values put on them. The full build (``smmgen.build.pipeline``) and an edit (``smmgen.build.edit``) cut with
these same functions; an edit needs nothing else of the full build before its cards are asked for, so this
module loads no more than cutting does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from smmgen.build.templates import template_frame
from smmgen.config.accounts import Account, routed
from smmgen.errors import ConfigError, SmmgenError, flatten
from smmgen.plan.expiry import expiry_warning
from smmgen.platforms import Cut, CutContext, registry

if TYPE_CHECKING:
    from smmgen.build.templates import Layouts
    from smmgen.config.site import Site
    from smmgen.content.article import Article


PLAN_READS = ("id", "platform", "account", "source", "publish_at", "expire_at", "timing")
PLAN_WRITES = ("publish_at", "expire_at", "timing")


def platforms_for(article: Article, site: Site) -> list[str]:
    chosen = article.social.platforms
    return [p.name for p in site.platforms if chosen is None or p.name in chosen]


def with_expiry_warnings(cuts: list[Cut], site: Site) -> list[Cut]:
    """The planned cuts, each with a warning when its platform will not delete it at its ``expire_at``."""
    out = []
    for cut in cuts:
        warning = expiry_warning(cut.platform, cut.publish_at, cut.expire_at, site)
        out.append(cut if warning is None else replace(cut, warnings=cut.warnings + (warning,)))
    return out


def plan_reads(cuts: Sequence[Cut]) -> str:
    """A hash of what ``plan.assign`` reads of these cuts (one article's)."""
    # repr, not pickle: pickle's bytes also depend on which equal objects happen to be shared.
    return hashlib.sha256(repr([tuple(getattr(c, f) for f in PLAN_READS) + (len(c.parts),)
                                for c in cuts]).encode()).hexdigest()


def _with_plan_values(cut: Cut, values: tuple, added: tuple[str, ...]) -> Cut:
    # ``dataclasses.replace`` without its per-call cost (thousands of cuts per build): the fields are the
    # cut's own with the plan's values, which ``plan.assign`` produced and checked when it made them.
    planned = object.__new__(type(cut))
    fields = planned.__dict__
    fields.update(cut.__dict__)
    fields.update(zip(PLAN_WRITES, values))
    fields["warnings"] = cut.warnings + added
    return planned


def cut_article(article: Article, site: Site, layouts: Layouts) -> tuple[tuple[Cut, ...], list[SmmgenError]]:
    """One article's cuts for its platforms, and the errors of the platforms that could not cut it."""
    cuts: list[Cut] = []
    errors: list[SmmgenError] = []
    for account in routed(article, site, platforms_for(article, site)):
        name = account.platform
        ctx = CutContext(site=site, settings=account.settings, layouts=layouts,
                         mentions=account.mention_map(site.mentions) if account.mentions else None)
        try:
            cuts.append(_for_account(registry.get(name).render(article, ctx), account))
        except SmmgenError as e:
            errors.extend(flatten([e]))
        except Exception as e:          # noqa: BLE001 - the site's template failed, or smmgen did
            frame = template_frame(e)
            if not isinstance(e, jinja2.TemplateError) and frame is None:
                raise                   # not the template's doing: a bug to see with its traceback
            errors.append(_template_error(e, site, frame))
    return tuple(cuts), errors


def _for_account(cut: Cut, account: Account) -> Cut:
    """The platform's cut as the account's: its id names the account unless it is the platform's default."""
    return replace(cut, id=account.entry_id(cut.slug), account=account.name)


def _template_error(e: Exception, site: Site, frame: tuple[str, int] | None = None) -> SmmgenError:
    name = getattr(e, "filename", None) or (frame[0] if frame else None) or getattr(e, "name", None) or "layout"
    message = getattr(e, "message", None) or str(e)
    if not isinstance(e, jinja2.TemplateError):
        message = f"{type(e).__name__}: {message}"     # a ZeroDivisionError says little without its name
    return ConfigError(site.rel(Path(name)) if name != "layout" else name, None, f"template error: {message}",
                       line=getattr(e, "lineno", None) or (frame[1] if frame else None))
