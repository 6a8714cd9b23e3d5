"""Convert Chinese text to the target script (``Config.script``) with OpenCC; see :mod:`cleaner.text.opencc`
for how only the stretches that change are converted."""
from __future__ import annotations

from ..document import Document
from ..text.opencc import converter_for, detect_script
from .base import Stage


class ConvertScriptStage(Stage):
    """Converts ``doc.text`` to ``Config.script``; records ``script_in`` and ``script`` in ``doc.meta``.

    ``script`` is the script of the output: the target, or the detected input script for ``keep``;
    None for text without Han characters. Japanese text is left as it is.
    """

    name = "convert_script"

    def process(self, doc: Document) -> None:
        script_in = detect_script(doc.text)
        doc.meta["script_in"] = script_in
        target = self.config.script
        if target == "keep" or script_in in (None, "ja"):
            doc.meta["script"] = script_in
            return
        doc.text = converter_for(target)(doc.text)
        doc.meta["script"] = target
