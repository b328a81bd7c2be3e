"""Recording who read what: every read by another organisation of a right holder's guide, picture or authorised
sellers is a row its right holder sees. A right holder's own reads are not recorded."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from ipbridge.accounts.actors import Actor
from ipbridge.sharing.models import Guide, GuideImage, ReadSubject, ShareRead


def read_row(
    actor: Actor,
    *,
    holder_id: int,
    subject: ReadSubject,
    guide: Guide | None = None,
    version: int | None = None,
    image: GuideImage | None = None,
    details: dict[str, Any] | None = None,
) -> ShareRead | None:
    """The row recording the read, not written yet; None for a read of one's own."""
    if holder_id == actor.organisation.pk:
        return None
    return ShareRead(
        holder_id=holder_id,
        reader=actor.organisation,
        reader_user=actor.user,
        reader_label=actor.label,
        subject=subject,
        guide=guide,
        guide_title=guide.title[:200] if guide is not None else "",
        version=version,
        image=image,
        details=details or {},
        at=timezone.now(),
    )


def reads_write(rows: Iterable[ShareRead | None]) -> None:
    """Write the rows of one read (a page, an export) in one insert."""
    kept = [row for row in rows if row is not None]
    if kept:
        ShareRead.objects.bulk_create(kept)


def read_record(actor: Actor, **fields: Any) -> None:
    reads_write([read_row(actor, **fields)])
