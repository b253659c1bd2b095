"""Free mail services: an address at one of these is nobody's office address.

Issuance asks for an explicit, audited confirmation before it issues (or moves) an account to
such an address when the organisation has no mail domain of its own on record
(``accounts.rules.needs_domain_confirmation``). An organisation may not list one of these as
its own domain. Data, not code: add a service here when one turns up.
"""

from __future__ import annotations

FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # global services
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "outlook.jp",
        "hotmail.com",
        "hotmail.co.jp",
        "live.com",
        "live.jp",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "yahoo.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "mail.com",
        "zoho.com",
        # Japanese portals and providers' free addresses
        "yahoo.co.jp",
        "ymail.ne.jp",
        "excite.co.jp",
        "goo.jp",
        "mail.goo.ne.jp",
        "nifty.com",
        "livedoor.com",
        # mobile carriers
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "disney.ne.jp",
        "ymobile.ne.jp",
        "y-mobile.ne.jp",
        "emobile.ne.jp",
        "willcom.com",
        "rakuten.jp",
        "uqmobile.jp",
    }
)
