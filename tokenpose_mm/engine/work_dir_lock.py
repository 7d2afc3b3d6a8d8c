"""One training run per work dir: an exclusive lock on ``<work_dir>/.train.lock``."""
import datetime
import fcntl
import json
import os
import socket
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

LOCK_NAME = '.train.lock'


class WorkDirInUseError(RuntimeError):
    """Another training run holds the work dir."""


def _holder(fd: int) -> dict:
    """The run recorded in an open lock file ({} when empty or unreadable)."""
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        return json.loads(os.read(fd, 65536).decode() or '{}')
    except (ValueError, UnicodeDecodeError):
        return {}


def _describe(holder: dict) -> str:
    if not holder:
        return 'a run that did not record itself'
    return (f"pid {holder.get('pid')} on host {holder.get('host')!r}, started "
            f"{holder.get('started')}: {holder.get('command')}")


def _alive(pid: Optional[int]) -> bool:
    try:
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@contextmanager
def work_dir_lock(work_dir: str, logger=None) -> Iterator[str]:
    """Hold ``<work_dir>/.train.lock`` for the duration of the ``with`` block.

    The lock is an exclusive ``flock`` on the file, which records the holder's pid, host, start
    time and command. The kernel releases it when the holder exits in any way (crash, SIGKILL),
    so a lock of a dead run never blocks: the next run takes it over (and logs whose it was).

    Args:
        work_dir (str): The run's folder (created when missing).
        logger (logging.Logger, optional): Where a taken-over lock is reported.

    Yields:
        str: The lock file's path.

    Raises:
        WorkDirInUseError: a live run holds the lock; the message names it.
    """
    os.makedirs(work_dir, exist_ok=True)
    path = os.path.join(work_dir, LOCK_NAME)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        ending = ('' if holder.get('host') != socket.gethostname() or _alive(holder.get('pid'))
                  else '; that process has exited, its data loader workers are still ending: '
                  'retry in a few seconds')
        raise WorkDirInUseError(
            f'work dir {work_dir!r} is in use by another training run ({_describe(holder)}'
            f'{ending}); wait for it to end, stop it, or choose another --work-dir') from None
    previous = _holder(fd)
    if previous and logger is not None:
        logger.warning(f'took over the lock of a run that ended without releasing it '
                       f'({_describe(previous)})')
    record = dict(pid=os.getpid(), host=socket.gethostname(),
                  started=datetime.datetime.now().isoformat(timespec='seconds'),
                  command=' '.join(sys.argv))
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(record).encode(), 0)
    try:
        yield path
    finally:  # the file stays (removing it would race with a run opening it); emptied = free
        os.ftruncate(fd, 0)
        os.close(fd)
