"""The output guard (:mod:`tokenpose_mm.utils.outputs`) applied to a tool's arguments: every
output file is checked against every input of the run (config, checkpoint, annotation and box
files the config names) and against the other outputs, before any work starts."""
import os.path as osp
from typing import Dict, Iterator, List, Mapping, Optional, Sequence

from mmengine.config import Config

from ..utils.outputs import OutputError, check_output_file, same_file


def _evaluators(cfg: Config, split: str) -> Iterator[dict]:
    evaluators = cfg.get(f'{split}_evaluator') or []
    for evaluator in evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]:
        if isinstance(evaluator, Mapping):
            yield evaluator


def config_inputs(cfg: Config, splits: Sequence[str] = ('train', 'val', 'test')) -> List[str]:
    """The files a run of ``cfg`` reads: the config file, and each dataset's ``ann_file`` and
    ``bbox_file`` (under its ``data_root``) and each evaluator's ``ann_file`` of ``splits``."""
    files = [cfg.filename] if getattr(cfg, 'filename', None) else []
    for split in splits:
        loader = cfg.get(f'{split}_dataloader', None) or {}
        stack = [loader.get('dataset')]
        while stack:  # wrappers (RepeatDataset, ConcatDataset) unwrapped
            dataset = stack.pop()
            if not isinstance(dataset, Mapping):
                continue
            root = dataset.get('data_root') or ''
            for key in ('ann_file', 'bbox_file'):
                if isinstance(dataset.get(key), str) and dataset[key]:
                    files.append(osp.join(root, dataset[key]))
            stack += [dataset.get('dataset')] + list(dataset.get('datasets') or [])
        files += [e['ann_file'] for e in _evaluators(cfg, split)
                  if isinstance(e.get('ann_file'), str)]
    return files


def check_outputs(outputs: Dict[str, Optional[str]], inputs: Sequence[Optional[str]]) -> None:
    """Refuse an output (``{option: path}``, None: not asked for) that is an input, a symlink
    or a folder (:func:`~tokenpose_mm.utils.outputs.check_output_file`), or that names the same
    file as another output (``--out`` and ``--dump``).

    Raises:
        OutputError: naming the option, the path and the input or other option.
    """
    given = [(k, v) for k, v in outputs.items() if v is not None]
    for i, (option, path) in enumerate(given):
        check_output_file(path, inputs, option)
        for other, other_path in given[:i]:
            if same_file(path, other_path):
                raise OutputError(f'{other} and {option} name the same file {path!r}; each '
                                  'output needs a file of its own')
