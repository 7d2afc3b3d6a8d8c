"""argparse actions shared by the tools."""
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
