"""ISO 4217 currencies in circulation and the number of digits of their minor unit, so that an amount is kept as
an integer of minor units (cents, fen) and shown as the currency writes it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# Code and minor-unit digits of the ISO 4217 list (funds, metals and testing codes left out: goods are not priced
# in them).
_TABLE = """
AED2 AFN2 ALL2 AMD2 ANG2 AOA2 ARS2 AUD2 AWG2 AZN2 BAM2 BBD2 BDT2 BGN2 BHD3 BIF0 BMD2 BND2 BOB2 BRL2 BSD2 BTN2
BWP2 BYN2 BZD2 CAD2 CDF2 CHF2 CLP0 CNY2 COP2 CRC2 CUP2 CVE2 CZK2 DJF0 DKK2 DOP2 DZD2 EGP2 ERN2 ETB2 EUR2 FJD2
FKP2 GBP2 GEL2 GHS2 GIP2 GMD2 GNF0 GTQ2 GYD2 HKD2 HNL2 HTG2 HUF2 IDR2 ILS2 INR2 IQD3 IRR2 ISK0 JMD2 JOD3 JPY0
KES2 KGS2 KHR2 KMF0 KPW2 KRW0 KWD3 KYD2 KZT2 LAK2 LBP2 LKR2 LRD2 LSL2 LYD3 MAD2 MDL2 MGA2 MKD2 MMK2 MNT2 MOP2
MRU2 MUR2 MVR2 MWK2 MXN2 MYR2 MZN2 NAD2 NGN2 NIO2 NOK2 NPR2 NZD2 OMR3 PAB2 PEN2 PGK2 PHP2 PKR2 PLN2 PYG0 QAR2
RON2 RSD2 RUB2 RWF0 SAR2 SBD2 SCR2 SDG2 SEK2 SGD2 SHP2 SLE2 SOS2 SRD2 SSP2 STN2 SVC2 SYP2 SZL2 THB2 TJS2 TMT2
TND3 TOP2 TRY2 TTD2 TWD2 TZS2 UAH2 UGX0 USD2 UYU2 UZS2 VED2 VES2 VND0 VUV0 WST2 XAF0 XCD2 XCG2 XOF0 XPF0 YER2
ZAR2 ZMW2 ZWG2
"""
MINOR_DIGITS: dict[str, int] = {entry[:3]: int(entry[3:]) for entry in _TABLE.split()}
CURRENCIES: tuple[str, ...] = tuple(sorted(MINOR_DIGITS))
# More than any price of goods, in any currency's minor units, and within a 64-bit integer.
MAX_AMOUNT = 10**15


def amount_display(amount: int, currency: str) -> str:
    """``3900, "EUR"`` → ``"39.00 EUR"``; ``500, "JPY"`` → ``"500 JPY"``."""
    digits = MINOR_DIGITS.get(currency, 2)
    if digits == 0:
        return f"{amount} {currency}"
    sign = "-" if amount < 0 else ""
    whole, minor = divmod(abs(amount), 10**digits)
    return f"{sign}{whole}.{minor:0{digits}d} {currency}"


def amount_parse(text: str, currency: str) -> int | None:
    """``"39.00"`` in ``EUR`` → ``3900``; None when it is not a non-negative amount with at most the currency's
    minor digits, written with a decimal point (a comma could be either separator, so it is refused)."""
    digits = MINOR_DIGITS.get(currency)
    if digits is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value() or minor > MAX_AMOUNT:
        return None
    return int(minor)
