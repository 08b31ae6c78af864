"""The one exception type the library raises for bad input.

Every public entry point validates what it is given and raises :class:`ExplorerError`
with a message written for a student, never a bare ``ValueError`` from deep inside torch.
"""


class ExplorerError(ValueError):
    """Bad input to the explorer: the message says what was wrong and what is allowed."""
