# PLACEHOLDER, to be replaced by its owner.
from .stage import Stage


class PrepareHtmlStage(Stage):
    name = "prepare_html"

    def process(self, doc):
        pass
