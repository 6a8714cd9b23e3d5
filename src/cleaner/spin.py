# PLACEHOLDER, to be replaced by its owner.
from .stage import Stage


class SpinStage(Stage):
    name = "spin"

    def process(self, doc):
        pass
