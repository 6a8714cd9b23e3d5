"""Reason codes for records that cannot be used.

Every record that does not reach the output reaches the rejects file with one of these codes, so that the
closing summary can group them and ``read == written + rejected`` always holds.
"""

UNDECODABLE = "undecodable"          # bytes that no candidate codec reads
NOT_HTML = "not_html"                # binary or non-markup payload where a page was expected
EMPTY = "empty"                      # nothing left after extraction and cleaning
TOO_LARGE = "too_large"              # over Config.max_page_bytes / max_doc_chars
TOO_DEEP = "too_deep"                # markup nested deeper than Config.max_depth
TIMEOUT = "timeout"                  # a stage ran past Config.timeout_s
UNREADABLE_FILE = "unreadable_file"  # the file could not be opened or read
TRUNCATED_FILE = "truncated_file"    # a compressed or WARC file that ends early
BAD_JSON = "bad_json"                # a JSONL line that is not a JSON object with html or text
BAD_RECORD = "bad_record"            # a Parquet or Arrow row without a usable html or text column
UNSUPPORTED_FILE = "unsupported_file"  # a file of a kind clean-corpus does not read
INTERNAL_ERROR = "internal_error"    # a bug: an exception a stage did not expect
SPAM_PAGE = "spam_page"              # a spam page, with --drop-spam (Config.drop_spam); the kind in the detail
FILTERED = "filtered"                # a --filter rule (Config.filters) fired; the rule in the detail

ALL = (
    UNDECODABLE, NOT_HTML, EMPTY, TOO_LARGE, TOO_DEEP, TIMEOUT, UNREADABLE_FILE, TRUNCATED_FILE,
    BAD_JSON, BAD_RECORD, UNSUPPORTED_FILE, INTERNAL_ERROR, SPAM_PAGE, FILTERED,
)


class Rejected(Exception):
    """Raised inside a stage to reject the document it is working on."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
