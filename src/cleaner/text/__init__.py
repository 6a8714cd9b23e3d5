"""Text helpers the stages share: character classes, OpenCC, word-list regexes, rule-file loading."""
