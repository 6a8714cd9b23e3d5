# PLACEHOLDER, to be replaced by its owner.
def dedup(docs, threshold=0.8):
    raise NotImplementedError
