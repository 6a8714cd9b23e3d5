# PLACEHOLDER, to be replaced by its owner.
from ..stage import Stage


class CleanLinesStage(Stage):
    name = "clean_lines"

    def process(self, doc):
        pass
