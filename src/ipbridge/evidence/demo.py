"""The demo's evidence: captures of the listings Aurora notified (named by its notice, so attached to each case),
the invoice Bright Deals answers with, LiveBuy's capture of a live stream, BrandGuard's test purchase, one item
shared with the market regulator — each in the evidence log, under a signed tree head.

The pictures and documents are drawn here, small but real files (a PNG, a PDF), so that they open."""

from __future__ import annotations

from datetime import UTC, datetime

from ipbridge.accounts.actors import Actor
from ipbridge.core.pictures import png_of_boxes
from ipbridge.evidence import log, services
from ipbridge.evidence.models import Evidence
from ipbridge.notices.models import Case

_png = png_of_boxes


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with ``lines`` of text."""
    text = "BT /F1 12 Tf 50 780 Td 16 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("latin-1")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


LISTING = _png(
    240,
    160,
    [
        (0, 0, 240, 20, (232, 93, 4)),  # the marketplace's bar
        (12, 32, 96, 96, (200, 30, 60)),  # the lipstick
        (120, 34, 100, 10, (60, 60, 60)),  # the title
        (120, 54, 60, 14, (200, 30, 30)),  # the price
        (120, 100, 80, 20, (255, 196, 0)),  # "buy"
    ],
)
PACKAGING = _png(160, 120, [(20, 20, 120, 80, (30, 30, 30)), (30, 30, 40, 10, (212, 175, 55))])


def demo_captures(aurora: Actor) -> list[Evidence]:
    """Aurora's captures of the listings it notifies, stored before the notice names them."""
    observed = datetime(2026, 11, 28, 9, 41, tzinfo=UTC)
    return [
        services.evidence_add(
            actor=aurora,
            name="megamart-listing-88120.png",
            upload=LISTING,
            captured_url="https://megamart.demo/listing/88120",
            marketplace="megamart",
            listing_id="88120",
            observed_at=observed,
            notes="Full-page capture of the listing: AURORA Rouge lipstick, 3 for 1, at a fifth of the retail price.",
        ),
        services.evidence_add(
            actor=aurora,
            name="Test purchase TP-2026-114",
            text=(
                "Test purchase TP-2026-114, ordered 2026-11-25 from MegaMart listing 88120, received 2026-11-27.\n"
                "Packaging: no batch code on the base, no hologram on the seal, font of the AURORA word mark wider "
                "than the genuine one. Photos and the parcel are kept at Aurora's Lyon office."
            ),
            notes="Report of the test purchase",
        ),
    ]


def demo_evidence_load(
    *, bright: Actor, livebuy: Actor, brandguard: Actor, aurora: Actor, cases: dict[str, Case]
) -> None:
    """The other parties' evidence, attached to their cases; one of Aurora's items shared with the regulator."""
    invoice = services.evidence_add(
        actor=bright,
        name="invoice-FV-2026-11-0192.pdf",
        upload=_pdf(
            [
                "Invoice FV/2026/11/0192",
                "Seller: Kosmetyki Hurt Sp. z o.o., Warsaw",
                "Buyer: Bright Deals",
                "120 x AURORA Rouge lipstick, batch 26K11",
            ]
        ),
        notes="The distributor's invoice for the lipsticks sold in listing 88120.",
    )
    services.evidence_attach(actor=bright, evidence_id=invoice.pk, case_id=cases["megamart"].pk)
    stream = services.evidence_add(
        actor=livebuy,
        name="直播间 LIVE-20261130-0457 转录",
        text="主播：这款是 AURORA 口红高仿，跟原厂一样，1:1 复刻，今天只要 39 元。",
        listing_id="LIVE-20261130-0457",
        stream_id="LIVE-20261130",
        time_code="00:42:17",
        marketplace="livebuy",
        notes="Transcript of the segment the notice names, captured by LiveBuy's monitoring.",
    )
    services.evidence_attach(actor=livebuy, evidence_id=stream.pk, case_id=cases["livebuy"].pk)
    purchase = services.evidence_add(
        actor=brandguard,
        name="lumina-test-purchase-packaging.png",
        upload=PACKAGING,
        captured_url="https://megamart.demo/listing/77310",
        marketplace="megamart",
        listing_id="77310",
        notes="Packaging of the earbuds bought in a test purchase: no serial number.",
    )
    services.evidence_attach(actor=brandguard, evidence_id=purchase.pk, case_id=cases["lumina"].pk)
    screenshot = Evidence.objects.filter(organisation=aurora.organisation).order_by("pk").first()
    if screenshot is not None:
        services.evidence_share(actor=aurora, evidence_id=screenshot.pk, organisation="market-supervision")
    log.tree_head_current()
