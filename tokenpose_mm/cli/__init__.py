"""The tools' shared code (``tools/*.py`` import it; nothing in the package below imports it).

One concept per module: :mod:`.config` (loading configs with named errors), :mod:`.actions`
(argparse actions), :mod:`.work_dir` (work-dir policy and the training lock), :mod:`.launcher`
(distributed launch), :mod:`.precision` (``--amp``), :mod:`.device` (``--device``),
:mod:`.outputs` (the output guard on the tools' arguments), :mod:`.annotations` (annotation
files checked before MMPose reads them), :mod:`.test_outputs`
(``tools/test.py``'s drawings and dumps) and :mod:`.errors` (:func:`run_cli`, the one error
policy of every tool).
"""
from ..utils.config_files import resolve_config
from .actions import (CfgOptionsAction, add_cfg_options, add_launcher_options, check_display,
                      config_file, input_file, nonnegative_number, output_file, positive_int,
                      unit_interval)
from .annotations import check_annotation_files
from .config import ConfigError, load_config, name_dataset_metainfo
from .device import check_device
from .errors import USER_ERRORS, run_cli
from .launcher import close_distributed, set_launcher
from .precision import enable_amp
from .outputs import check_outputs, config_inputs
from .test_outputs import add_test_outputs
from .work_dir import check_output_dir, check_work_dir_free, set_work_dir, training_lock

__all__ = [
    'CfgOptionsAction', 'ConfigError', 'USER_ERRORS', 'add_cfg_options', 'add_launcher_options',
    'add_test_outputs', 'check_annotation_files', 'check_display', 'check_outputs',
    'check_work_dir_free', 'config_file', 'config_inputs', 'input_file', 'output_file',
    'nonnegative_number', 'positive_int', 'unit_interval',
    'check_device', 'check_output_dir', 'close_distributed', 'enable_amp', 'load_config',
    'name_dataset_metainfo', 'resolve_config', 'run_cli', 'set_launcher', 'set_work_dir',
    'training_lock'
]
