"""Every outgoing mail: written in the transaction of the change that causes it, sent by a worker
with retries (:mod:`outbox.services` writes, :mod:`outbox.sending` sends)."""
