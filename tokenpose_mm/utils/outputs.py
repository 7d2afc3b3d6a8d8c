"""The output guard of every tool: no output destroys an input or an earlier result.

- :func:`check_output_file` / :func:`check_output_folder`: an output that is one of the run's
  inputs (the same file after resolving symlinks, or a hard link to it; a folder written into
  that is, or contains, an input) is refused, and so is a symlink or a folder where a file is
  to be written;
- :func:`replacing`: an output is written to a partial file of ours in the same folder and moved
  onto its name (``os.replace``, atomic) only when the ``with`` block (write, then verify) ends
  without an error; a failed or killed run leaves the earlier file intact. Nothing is written
  through a symlink (the link is refused), and the file gets the user's umask (not 0600);
- :func:`remove_partial_writes`: clean-up removes only files named with :data:`PARTIAL_PREFIX`,
  a name no user file has.
"""
import os
import os.path as osp
import tempfile
from contextlib import contextmanager
from typing import Iterable, Iterator, List, Optional

PARTIAL_PREFIX = '.tokenpose_mm-partial.'  # our partial writes: '<prefix><random>.<name>'


class OutputError(ValueError):
    """An output path that would destroy an input, write through a link, or is not a file."""


def same_file(a: str, b: str) -> bool:
    """Whether paths ``a`` and ``b`` name one file (symlinks resolved, hard links too)."""
    if osp.realpath(a) == osp.realpath(b):
        return True
    try:
        return osp.exists(a) and osp.exists(b) and osp.samefile(a, b)
    except OSError:
        return False


def _inside(path: str, folder: str) -> bool:
    path, folder = osp.realpath(path), osp.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _present(inputs: Iterable[Optional[str]]) -> List[str]:
    return [str(p) for p in inputs if p is not None and '::' not in str(p)]


def check_output_file(path: str, inputs: Iterable[Optional[str]] = (),
                      what: str = 'output') -> None:
    """Refuse ``path`` as the output file ``what`` when it is one of ``inputs`` (symlinks
    resolved, hard links too), a symlink, or an existing folder.

    Raises:
        OutputError: naming the output, the input and what to do instead.
    """
    path = str(path)
    for source in _present(inputs):
        if same_file(path, source):
            real = osp.realpath(source)
            shown = f' ({real})' if real != osp.abspath(source) else ''
            raise OutputError(f'{what} {path!r} is the input {source!r}{shown}; writing it '
                              'would destroy the input: choose another file')
    if osp.islink(path):
        raise OutputError(f'{what} {path!r} is a symbolic link (to {os.readlink(path)!r}); '
                          'outputs are never written through links: remove it or choose '
                          'another file')
    if osp.isdir(path):
        raise OutputError(f'{what} {path!r} is an existing folder; expected a file name')


def check_output_folder(folder: str, inputs: Iterable[Optional[str]] = (),
                        what: str = 'output folder') -> None:
    """Refuse ``folder`` (where files are written) when it is, or contains, one of ``inputs``
    (a file or a folder; symlinks resolved): its files would be overwritten by the outputs.

    Raises:
        OutputError: naming the folder and the input.
    """
    for source in _present(inputs):
        if osp.exists(source) and _inside(source, folder):
            raise OutputError(f'{what} {str(folder)!r} holds the input {source!r}; the outputs '
                              'would overwrite it: choose another output folder')


def _umask_mode() -> int:
    """0o666 less the process umask: the mode ``open()`` would give a new file."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def replacing(path: str, what: str = 'output') -> Iterator[str]:
    """Yield a partial file name in ``path``'s folder (same extension); when the block ends
    without an error, move it onto ``path`` atomically (with the user's umask mode); on any
    error (a failed verification included) remove it and keep the earlier ``path``.

    Usage: ``with replacing(out) as tmp: write(tmp); verify(tmp)``.

    Raises:
        OutputError: ``path`` is a symlink or a folder (:func:`check_output_file`).
    """
    check_output_file(path, (), what)
    folder, name = osp.split(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=PARTIAL_PREFIX, suffix=f'.{name}', dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, _umask_mode())
        if osp.islink(path):  # planted while we wrote: never replace a link's target either
            check_output_file(path, (), what)
        os.replace(tmp, path)
    finally:
        if osp.lexists(tmp):
            os.remove(tmp)
    _fsync_folder(folder)


def atomic_write(path: str, data: bytes, what: str = 'output') -> None:
    """Write ``data`` to ``path`` so that ``path`` is always absent, old or whole: a partial
    file of ours in the same folder, fsync, then ``os.replace`` (:func:`replacing`)."""
    with replacing(path, what) as tmp:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def _fsync_folder(folder: str) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def is_partial_write(name: str) -> bool:
    """Whether the file name ``name`` is one of our partial writes (:data:`PARTIAL_PREFIX`)."""
    return osp.basename(name).startswith(PARTIAL_PREFIX)


def remove_partial_writes(folder: str) -> List[str]:
    """Delete the partial files a killed :func:`replacing` left in ``folder``; their names.
    Only names with :data:`PARTIAL_PREFIX` are touched (a user's ``.notes.tmp`` stays)."""
    if not osp.isdir(folder):
        return []
    removed = [n for n in os.listdir(folder)
               if is_partial_write(n) and osp.isfile(osp.join(folder, n))]
    for name in removed:
        os.remove(osp.join(folder, name))
    return removed
