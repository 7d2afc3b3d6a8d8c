"""argparse actions, types and options shared by the tools: every argument is checked when it
is parsed, before any work starts (a folder where a file belongs, an output's extension, a
threshold outside [0, 1], the launcher's environment)."""
import argparse
import math
import os
import os.path as osp
import sys
from typing import Any, Callable, Sequence

from mmengine.config import DictAction


class CfgOptionsAction(DictAction):
    """MMEngine's ``DictAction`` (``KEY=VALUE`` items, lists as ``[a,b]``) with an argparse error
    naming the malformed item instead of a traceback (``k``, ``=1``, ``k=[1,2``)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        for item in values:
            key, equals, value = item.partition('=')
            if not equals or not key:
                raise argparse.ArgumentError(self, f'{item!r} is not KEY=VALUE '
                                             '(e.g. train_cfg.max_epochs=10)')
            if value.count('(') != value.count(')') or value.count('[') != value.count(']'):
                raise argparse.ArgumentError(self, f'{item!r}: unbalanced brackets in {value!r}')
        super().__call__(parser, namespace, values, option_string)


def add_cfg_options(parser: argparse.ArgumentParser, help: str = 'override config settings, '
                    'KEY=VALUE', flag: str = '--cfg-options') -> None:
    """``--cfg-options KEY=VALUE ...`` parsed by :class:`CfgOptionsAction`."""
    parser.add_argument(flag, nargs='+', action=CfgOptionsAction, help=help)


# the variable each launcher's process group reads (MMEngine's init_dist): set by its launcher
LAUNCHER_ENV = dict(pytorch='RANK', slurm='SLURM_PROCID', mpi='OMPI_COMM_WORLD_LOCAL_RANK')


def _launcher(value: str) -> str:
    needed = LAUNCHER_ENV.get(value)
    if needed and needed not in os.environ:
        how = dict(pytorch='bash tools/dist_train.sh / dist_test.sh, or torchrun',
                   slurm='srun', mpi='mpirun')[value]
        raise argparse.ArgumentTypeError(f'--launcher {value} needs the environment its '
                                         f'launcher sets ({needed} is not set): start the tool '
                                         f'with {how}, or use --launcher none')
    return value


def add_launcher_options(parser: argparse.ArgumentParser) -> None:
    """MMPose's ``--launcher`` and ``--local_rank`` (set by torch's launcher)."""
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', type=_launcher)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def input_file(what: str, *keywords: str) -> Callable[[str], str]:
    """An argparse ``type``: a path where a file is read, never a folder (``keywords``, e.g.
    ``auto``, pass through); a missing file is left to the tool, which names it."""

    def check(value: str) -> str:
        if value not in keywords and osp.isdir(value):
            raise argparse.ArgumentTypeError(f'{what} {value!r} is a folder; expected a file')
        return value

    return check


def config_file(value: str) -> str:
    """An argparse ``type`` for a config: a file path or ``package::path`` (never a folder)."""
    if '::' not in value and osp.isdir(value):
        raise argparse.ArgumentTypeError(f'config {value!r} is a folder; expected a config '
                                         'file (.py)')
    return value


def output_file(what: str, extensions: Sequence[str]) -> Callable[[str], str]:
    """An argparse ``type``: a file to write, with one of ``extensions`` (checked before any
    work starts), not an existing folder nor a symlink."""

    def check(value: str) -> str:
        if not value.lower().endswith(tuple(extensions)):
            raise argparse.ArgumentTypeError(
                f'{what} {value!r} has an unsupported extension; expected one of '
                f'{", ".join(extensions)}')
        if osp.isdir(value):
            raise argparse.ArgumentTypeError(f'{what} {value!r} is an existing folder; '
                                             'expected a file name')
        if osp.islink(value):
            raise argparse.ArgumentTypeError(f'{what} {value!r} is a symbolic link; outputs '
                                             'are never written through links')
        return value

    return check


def bounded_number(what: str, kind: type = float, low: float = 0.,
                   high: float = 1.) -> Callable[[str], Any]:
    """An argparse ``type``: a ``kind`` (float or int) in [``low``, ``high``]; ``nan`` is
    refused, and so is ``inf`` unless ``high`` is."""
    name = 'an integer' if kind is int else 'a number'
    bounds = f'>= {low:g}' if high == math.inf else f'in [{low:g}, {high:g}]'

    def check(value: str) -> Any:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f'{what} {value!r} is not {name}') from None
        if not low <= number <= high:  # also refuses nan
            raise argparse.ArgumentTypeError(f'{what} must be {name} {bounds}, got {value!r}')
        return number

    return check


def unit_interval(what: str) -> Callable[[str], float]:
    """An argparse ``type``: a number in [0, 1] (a threshold; ``nan`` refused)."""
    return bounded_number(what)


def nonnegative_number(what: str) -> Callable[[str], float]:
    """An argparse ``type``: a finite number >= 0 (a keypoint score threshold: heatmap maxima
    are not bounded by 1; ``nan`` refused)."""
    return bounded_number(what, float, 0., math.inf)


def positive_int(what: str) -> Callable[[str], int]:
    """An argparse ``type``: an integer >= 1."""
    return bounded_number(what, int, 1, math.inf)


def check_display(what: str = '--show') -> None:
    """Refuse ``what`` (a window) where no display is reachable (no ``DISPLAY`` or
    ``WAYLAND_DISPLAY`` on Linux): OpenCV would abort the process at the first window."""
    if sys.platform.startswith('linux') and not (os.environ.get('DISPLAY')
                                                 or os.environ.get('WAYLAND_DISPLAY')):
        raise ValueError(f'{what} opens a window, but there is no display (DISPLAY is not '
                         'set); use --show-dir to save the drawings instead')
