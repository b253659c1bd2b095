"""Review pages, a module per workflow: national status and drill-downs (:mod:`.status`), the
late list (:mod:`.late`) and its exports (:mod:`.exports`), follow-ups (:mod:`.follow_ups`),
approved later dates (:mod:`.approvals`), plan checks (:mod:`.checks`), the meeting report and
open data (:mod:`.reports`), organisations not begun and their reminder (:mod:`.reminders`),
reviewer assignments (:mod:`.assignments`); what they share is :mod:`.common`.

Every view asks :mod:`accounts.permissions`: the national pages need the global REVIEW action
(prefecture admins see their prefecture, reviewers the work items of their bureau); an
organisation's pages need VIEW/FOLLOW_UP on it. Anything out of reach answers 404.
"""
