"""The rules of the internal case review."""


def review_is_complete(application):
    """Whether the 30-case review behind the case review questions is complete."""
    # The case review itself arrives with its own models; until then nothing blocks those questions.
    return True
