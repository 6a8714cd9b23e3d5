"""The shape every per-document stage has (after datatrove's pipeline steps)."""
from __future__ import annotations

from ..config import Config
from ..document import Document


class Stage:
    """One job on one document. Subclasses set ``name`` and implement :meth:`process`.

    ``process`` changes the document in place. It raises :class:`cleaner.errors.Rejected` when the
    document cannot be used, and records every piece of text it takes out with ``doc.remove(rule, text)``.
    """

    name = "stage"

    def __init__(self, config: Config):
        self.config = config

    def process(self, doc: Document) -> None:  # pragma: no cover - interface
        raise NotImplementedError
