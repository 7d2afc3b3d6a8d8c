"""The one place where known, harmless library warnings are filtered.

:func:`tokenpose_mm.setup_env` calls :func:`filter_known_warnings`, so every tool shows its own
output and real problems, not deprecation chatter of the stack; importing ``tokenpose_mm``
silences them only while it imports MMPose (:func:`known_warnings_silenced`); :func:`filter_known_log_messages` does the same for notices MMEngine logs instead of
warning. Each entry names the library and why it is harmless here; anything else still shows.
"""
import logging
import warnings
from contextlib import contextmanager
from typing import Iterator, Tuple

# (message regex, category, module regex, why it is harmless)
KNOWN_WARNINGS: Tuple[Tuple[str, type, str, str], ...] = (
    ('pkg_resources is deprecated as an API', UserWarning, '',
     'setuptools < 81 (pinned: mmcv, mmengine and mim import pkg_resources) warns on every '
     'import and on every mmengine.utils.is_installed call, which reloads it'),
)


def filter_known_warnings() -> None:
    """Ignore :data:`KNOWN_WARNINGS` (idempotent: ``warnings.filterwarnings`` does not add a
    filter that is already there)."""
    for message, category, module, _ in KNOWN_WARNINGS:
        warnings.filterwarnings('ignore', message=message, category=category, module=module)


@contextmanager
def known_warnings_silenced() -> Iterator[None]:
    """Ignore :data:`KNOWN_WARNINGS` inside the block only: on exit exactly the filters this
    added are removed again (filters that were there before, or that libraries add inside the
    block, stay)."""
    before = list(warnings.filters)
    filter_known_warnings()
    ours = [f for f in warnings.filters if f not in before]
    try:
        yield
    finally:
        for entry in ours:
            if entry in warnings.filters:
                warnings.filters.remove(entry)
        warnings._filters_mutated()  # as warnings.filterwarnings does after changing the list


# (start of an MMEngine log message, why it is harmless)
KNOWN_LOG_MESSAGES: Tuple[Tuple[str, str], ...] = (
    ('"FileClient" will be deprecated in future',
     "MMEngine's CheckpointHook.before_train builds a FileClient even when it writes through "
     'backend_args (mmengine 0.10)'),
    ('"HardDiskBackend" is the alias of "LocalBackend"',
     "that FileClient's default disk backend"),
)


class _KnownLogMessages(logging.Filter):
    """Drops log records that start with one of :data:`KNOWN_LOG_MESSAGES`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(message.startswith(known) for known, _ in KNOWN_LOG_MESSAGES)


def filter_known_log_messages(logger: logging.Logger) -> None:
    """Make ``logger`` drop :data:`KNOWN_LOG_MESSAGES` (idempotent; all else passes)."""
    if not any(isinstance(f, _KnownLogMessages) for f in logger.filters):
        logger.addFilter(_KnownLogMessages())
