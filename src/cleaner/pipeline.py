"""Per-document stages in order, with the time each one takes.

HTML input runs every stage; already-extracted text enters at line cleaning. The corpus-level dedup
stage lives in :mod:`cleaner.dedup` because it needs all documents at once.
"""
from __future__ import annotations

import time
from collections import defaultdict
from functools import lru_cache

from . import errors
from .config import Config
from .document import Document
from .stages.base import Stage
from .stages.clean_lines import CleanLinesStage
from .stages.convert_script import ConvertScriptStage
from .stages.decode import DecodeStage
from .stages.extract import ExtractStage
from .stages.filter import FilterStage
from .stages.limits import LimitsStage
from .stages.prepare_html import PrepareHtmlStage
from .stages.redact_pii import RedactPiiStage
from .stages.signals import SignalsStage
from .stages.spam_page import SpamPageStage
from .stages.spin import SpinStage


class Pipeline:
    def __init__(self, stages: list[Stage]):
        self.stages = stages
        self.seconds: dict[str, float] = defaultdict(float)

    @classmethod
    def for_html(cls, config: Config) -> "Pipeline":
        return cls([LimitsStage(config), DecodeStage(config), PrepareHtmlStage(config), ExtractStage(config),
                    *cls._text_stages(config)])

    @classmethod
    def for_text(cls, config: Config) -> "Pipeline":
        """Extracted text: a ``str`` in ``doc.text``, or file bytes in ``doc.raw`` that decode turns into it."""
        return cls([LimitsStage(config), DecodeStage(config), *cls._text_stages(config)])

    @staticmethod
    def _text_stages(config: Config) -> list[Stage]:
        return [CleanLinesStage(config), ConvertScriptStage(config), SpinStage(config), SpamPageStage(config),
                SignalsStage(config), RedactPiiStage(config), FilterStage(config)]

    def run(self, doc: Document) -> Document:
        """Run every stage; a rejection stops the document. Never raises."""
        for stage in self.stages:
            if doc.rejected:
                break
            start = time.perf_counter()
            try:
                stage.process(doc)
            except errors.Rejected as e:
                doc.reject(e.reason, e.detail)
            except RecursionError:
                doc.reject(errors.TOO_DEEP, f"{stage.name}: nesting too deep to process")
            except MemoryError:
                doc.reject(errors.TOO_LARGE, f"{stage.name}: out of memory")
            except Exception as e:  # a bug in a stage must not lose the other records
                doc.reject(errors.INTERNAL_ERROR, f"{stage.name}: {type(e).__name__}: {e}")
            self.seconds[stage.name] += time.perf_counter() - start
        doc.raw = None
        doc.tree = None
        if not doc.rejected and not doc.text.strip():
            doc.reject(errors.EMPTY, "no text left after cleaning")
        return doc


@lru_cache(maxsize=8)
def pipelines(config: Config) -> tuple[Pipeline, Pipeline]:
    """(HTML pipeline, text pipeline) for ``config``, built once per process: building loads and compiles
    every rule file and dictionary."""
    return Pipeline.for_html(config), Pipeline.for_text(config)
