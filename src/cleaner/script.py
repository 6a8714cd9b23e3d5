# PLACEHOLDER, to be replaced by its owner.
from .stage import Stage


class ConvertScriptStage(Stage):
    name = "convert_script"

    def process(self, doc):
        pass
