"""argparse actions and options shared by the tools."""
import argparse

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


def add_launcher_options(parser: argparse.ArgumentParser) -> None:
    """MMPose's ``--launcher`` and ``--local_rank`` (set by torch's launcher)."""
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
