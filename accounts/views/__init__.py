"""The account pages, a module per workflow: issuing and managing accounts (:mod:`.issuance`),
bulk issuance from a sheet (:mod:`.bulk_issuance`), the organisations' mail domains
(:mod:`.domains`), the audit trail (:mod:`.audit_trail`) and the links mailed to a person
(:mod:`.links`); the management hub and what the pages share is :mod:`.common`.

Every view asks :mod:`accounts.permissions` and writes through the services
(:mod:`accounts.services`, :mod:`accounts.invitations`, :mod:`accounts.email_changes`), which
write the audit trail. Anything out of reach answers 404.
"""
