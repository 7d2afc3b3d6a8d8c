"""Throughput of several pose models measured together, interleaved, on the same inputs shape."""
from typing import Dict, Mapping, Sequence

import torch
from torch import nn

from .models import (forward_fn, synthetic_data_samples, synthetic_inputs, train_step_fn)
from .timing import measure_interleaved

MODES = ('forward', 'train')


def compare_throughput(models: Mapping[str, nn.Module],
                       batch: int,
                       device: torch.device,
                       precisions: Sequence[str] = ('fp32', ),
                       mode: str = 'forward',
                       warmup: int = 1,
                       repeats: int = 5) -> Dict[str, Dict[str, dict]]:
    """Images per second of every (model, precision), all interleaved in one measurement.

    Args:
        models: name -> pose estimator (its mode is set here: eval for ``forward``, train for
            ``train``).
        batch: Images per call.
        device: Where the models live.
        precisions: Autocast precisions (``fp32``, ``bf16``, ``fp16``).
        mode: ``forward`` (inference, ``mode='tensor'``) or ``train`` (a whole training step).
        warmup, repeats: See :func:`measure_interleaved`.

    Returns:
        name -> precision -> ``{'median_s', 'images_per_s', 'timing'}``.
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    if batch < 1:
        raise ValueError(f'batch must be >= 1, got {batch}')
    fns = {}
    for name, model in models.items():
        inputs = synthetic_inputs(model, batch, device)
        if mode == 'forward':
            model.eval()
            for precision in precisions:
                fns[name, precision] = forward_fn(model, inputs, precision, device)
        else:
            model.train()
            samples = synthetic_data_samples(model, batch, device)
            for precision in precisions:
                fns[name, precision] = train_step_fn(model, inputs, samples, precision, device)
    timings = measure_interleaved(fns, device, warmup, repeats)
    for model in models.values():
        model.eval()
    out: Dict[str, Dict[str, dict]] = {name: {} for name in models}
    for (name, precision), timing in timings.items():
        out[name][precision] = dict(median_s=timing.median_s,
                                    images_per_s=batch / timing.median_s,
                                    timing=timing.to_dict())
    return out
