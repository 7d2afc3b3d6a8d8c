"""The outputs of ``tools/test.py`` beyond the metrics, through MMPose's own hooks and metric."""
from typing import Optional

from mmengine.config import Config


def add_test_outputs(cfg: Config, show_dir: Optional[str] = None, show: bool = False,
                     interval: int = 1, wait_time: float = 1., dump: Optional[str] = None,
                     badcase: bool = False) -> None:
    """MMPose's ``tools/test.py`` outputs, through MMPose's own hooks and metric:
    ``PoseVisualizationHook`` draws predictions into ``WORK_DIR/TIMESTAMP/<show_dir>`` (or a
    window), ``BadCaseAnalysisHook`` draws the worst samples (``WORK_DIR/TIMESTAMP/badcase``),
    ``DumpResults`` pickles every prediction to ``dump``. Errors name the missing piece."""
    if interval < 1:
        raise ValueError(f'--interval must be >= 1, got {interval}')
    hooks = cfg.get('default_hooks') or {}
    wanted = dict(visualization=(show and not badcase) or show_dir is not None,
                  badcase=badcase)
    for name, hook_type in (('visualization', 'PoseVisualizationHook'),
                            ('badcase', 'BadCaseAnalysisHook')):
        if wanted[name] and name not in hooks:
            raise ValueError(f'the config has no default_hooks.{name}; add '
                             f'default_hooks = dict({name}=dict(type={hook_type!r})) '
                             "(MMPose's default_runtime.py has it)")
    if wanted['visualization']:
        vis = hooks['visualization']
        vis.update(enable=True, show=show and not badcase, out_dir=show_dir, interval=interval)
        if show:
            vis.wait_time = wait_time
    if badcase:
        bad = hooks['badcase']
        bad.update(enable=True, show=show, interval=interval)
        if show:
            bad.wait_time = wait_time
        metric_type = bad.get('metric_type', 'loss')
        if metric_type not in ('loss', 'accuracy'):
            raise ValueError("default_hooks.badcase.metric_type must be 'loss' or 'accuracy', "
                             f'got {metric_type!r}')
        if not bad.get('metric'):
            bad.metric = cfg.model.head.loss if metric_type == 'loss' else cfg.test_evaluator
    if dump is not None:
        if not dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump writes a pickle file (.pkl or .pickle), got {dump!r}')
        evaluators = cfg.test_evaluator
        cfg.test_evaluator = [*(evaluators if isinstance(evaluators, (list, tuple))
                                else [evaluators]),
                              dict(type='DumpResults', out_file_path=dump)]
