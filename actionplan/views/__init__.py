"""Plan pages, a module per workflow: the plan page (:mod:`.plan`), one row shown, edited and
its history (:mod:`.entries`), advice (:mod:`.advice`), the systems box
(:mod:`.target_systems`) and the Excel round trip with its import jobs (:mod:`.workbook`); what
they share is :mod:`.common`.

Every view finds the organisation through the permission door (:mod:`accounts.permissions`):
out of reach answers 404.
"""
