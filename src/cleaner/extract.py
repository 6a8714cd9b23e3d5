# PLACEHOLDER, to be replaced by its owner.
import trafilatura

from .stage import Stage


class ExtractStage(Stage):
    name = "extract"

    def process(self, doc):
        doc.text = trafilatura.extract(doc.raw) or ""
