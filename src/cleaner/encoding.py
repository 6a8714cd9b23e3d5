# PLACEHOLDER, to be replaced by its owner.
from .stage import Stage


def decode(data, headers=None):
    return data.decode("utf-8", "replace"), {"encoding": "utf-8", "confidence": 1.0, "source": "utf-8"}


class DecodeStage(Stage):
    name = "decode"

    def process(self, doc):
        if isinstance(doc.raw, bytes):
            doc.raw, info = decode(doc.raw)
