"""Page verdicts on the shared real pages: the 12 Chinese Common Crawl pages (expected verdict written
below, judged by hand from each page), the other pages of the Common Crawl WARC, and every extraction page
(news, government, forums, blogs in many languages: none may be flagged).

    python benchmarks/eval_spam.py [--show-flagged]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import cleaner
from cleaner.stages.spam_page import THRESHOLD
from warcio.archiveiterator import ArchiveIterator

REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"
CC_PAGES = REALWORLD / "warc" / "resiliparse_cc2020_zh_pages"
# Expected kind (None: not a spam page) of each Chinese Common Crawl page, by file-name prefix, from
# reading each page by hand.
EXPECTED = {
    "01": ("keyword_stuffing", "scraped news around a mojibake keyword repeated, text bracketed per character"),
    "02": ("gambling", "404 page carrying an injected betting brand, betting-site links"),
    "03": (None, "company page (English body) whose title was hijacked with porn terms"),
    "04": (None, "company product/blog list page (spam links listed, cut as boilerplate)"),
    "05": ("lottery", "Mark Six tipping page: recharge offers, 'remember QQ ...'"),
    "06": ("adult", "porn story"),
    "07": ("adult", "porn site navigation"),
    "08": (None, "company page (gift products, addresses)"),
    "09": (None, "product-list page of a foundry (spam links listed, cut as boilerplate)"),
    "10": (None, "job listing"),
    "11": ("lottery", "Mark Six tipping home page (no text left: rejected as empty)"),
    "12": ("adult", "porn video page"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-flagged", action="store_true", help="list every flagged extraction page")
    args = parser.parse_args()
    wrong = 0
    EXPECTED_URLS = [line.split("\t")[1].split("://")[1] for line in
                     (CC_PAGES / "LABELS.tsv").read_text().splitlines()[1:]]
    print(f"{'page':44} {'expected':17} {'got':17} {'score':>7}  ok")
    for path in sorted(CC_PAGES.glob("*.html")):
        expected, why = EXPECTED[path.name[:2]]
        doc = cleaner.clean_html(path.read_bytes())
        got = doc.flags.get("spam_kind") if doc.flags.get("spam_page") else None
        ok = got == expected
        wrong += not ok
        print(f"{path.name[:44]:44} {str(expected):17} {str(got):17} {doc.flags.get('spam_score', 0):7.2f}"
              f"  {'yes' if ok else 'NO'}{'  (rejected: ' + doc.rejected + ')' if doc.rejected else ''}")
    print()
    with open(REALWORLD / "warc" / "resiliparse" / "warcfile.warc.gz", "rb") as f:
        for record in ArchiveIterator(f):
            url = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type != "response" or any(u in url for u in EXPECTED_URLS):
                continue
            doc = cleaner.clean_html(record.content_stream().read(), url=url)
            flag = doc.flags.get("spam_kind") if doc.flags.get("spam_page") else None
            wrong += flag is not None
            print(f"{url[:44]:44} {'None':17} {str(flag):17} {doc.flags.get('spam_score', 0):7.2f}"
                  f"  {'yes' if flag is None else 'NO'}  ({doc.flags.get('language')})")
    print()
    flagged: Counter = Counter()
    totals: Counter = Counter()
    highest: dict[str, tuple[float, str]] = {}
    for page in sorted((REALWORLD / "extraction").glob("*/page.html")):
        source = page.parent.name.split("__")[0]
        doc = cleaner.clean_html(page.read_bytes())
        totals[source] += 1
        highest[source] = max(highest.get(source, (0.0, "")), (doc.flags.get("spam_score", 0.0), page.parent.name))
        if doc.flags.get("spam_page"):
            flagged[source] += 1
            if args.show_flagged:
                print(f"  flagged: {page.parent.name} {doc.flags['spam_kind']} {doc.flags['spam_score']}")
    print(f"{'extraction source':20} {'pages':>6} {'flagged':>8}  highest score (threshold {THRESHOLD:g})")
    for source in sorted(totals):
        score, name = highest[source]
        print(f"{source:20} {totals[source]:6} {flagged[source]:8}  {score:6.2f} {name[:60]}")
    print(f"{'all':20} {sum(totals.values()):6} {sum(flagged.values()):8}")
    print(f"\nCommon Crawl pages wrong: {wrong}")
    return 1 if wrong or flagged else 0


if __name__ == "__main__":
    sys.exit(main())
