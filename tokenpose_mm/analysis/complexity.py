"""Parameters, true multiply-accumulates and the TokenPose paper's GFLOPs for any pose model.

- True MACs come from torch's ``FlopCounterMode`` (every matmul: Linear, Conv, attention), with
  attention run on the MATH kernel so its two matmuls are visible to the counter.
- The paper's GFLOPs are those of HRNet's ``get_model_summary`` used by the official code: only
  Conv2d (``weight.numel() * H_out * W_out``) and Linear (``output.numel() * input.shape[1]``,
  which for (B, N, C) tokens scales by the token count N instead of C), at batch 1, over 2**30.
- "GFLOPsT" (TMPose) is the paper's count over the transformer part: neck and head.
"""
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode


@dataclass
class Complexity:
    """Complexity of one model at one input size (batch 1)."""
    params: int  # all parameters, the fixed sine table included (as the official count)
    gmacs: float  # true multiply-accumulates / 1e9, every matmul
    paper_gflops: float  # the paper's counter / 2**30
    transformer_gmacs: Optional[float] = None  # neck + head, true
    paper_gflops_t: Optional[float] = None  # neck + head, the paper's counter


def count_parameters(model: nn.Module) -> int:
    """Every parameter tensor's elements, trainable or not."""
    return sum(p.numel() for p in model.parameters())


def _run(model: nn.Module, inputs: Tensor) -> None:
    if _is_estimator(model):
        # model(inputs, None, mode='tensor') without its ``self.head.forward(x)``, which
        # bypasses the module call that FlopCounterMode attributes the head's MACs by
        model.head(model.extract_feat(inputs))
    else:
        model(inputs)


def true_macs(model: nn.Module, inputs: Tensor, modules: Sequence[nn.Module] = ()) -> Tuple[int, int]:
    """(MACs of the whole forward, MACs inside ``modules``) with torch's FlopCounterMode."""
    with ExitStack() as stack:
        stack.enter_context(torch.no_grad())
        stack.enter_context(sdpa_kernel(SDPBackend.MATH))
        counter = stack.enter_context(FlopCounterMode(display=False))
        _run(model, inputs)
    by_module = counter.get_flop_counts()
    total = counter.get_total_flops() // 2
    part = 0
    for module in modules:
        name = _counter_name(model, module)
        part += sum(by_module.get(name, {}).values()) // 2
    return total, part


def _is_estimator(model: nn.Module) -> bool:
    return hasattr(model, 'extract_feat') and hasattr(model, 'head')  # MMPose pose estimator


def _counter_name(root: nn.Module, module: nn.Module) -> str:
    """The name FlopCounterMode gives ``module``: the class name of the module :func:`_run`
    calls (the root; a pose estimator's backbone, neck and head) plus its attribute path."""
    for name, m in root.named_modules():
        if m is not module:
            continue
        if _is_estimator(root) and name:
            part, _, path = name.partition('.')
            root, name = getattr(root, part), path
        return f'{type(root).__name__}.{name}' if name else type(root).__name__
    raise ValueError('module is not part of the model')


def paper_flops(model: nn.Module, inputs: Tensor,
                modules: Iterable[nn.Module] = ()) -> Tuple[int, int]:
    """(paper-convention FLOPs of the whole forward, of those inside ``modules``)."""
    inside = {id(m) for root in modules for m in root.modules()}
    counts = {'all': 0, 'part': 0}

    def hook(module: nn.Module, args: tuple, output: Tensor) -> None:
        if isinstance(module, nn.Conv2d):
            flops = module.weight.numel() * output.shape[2] * output.shape[3]
        else:  # nn.Linear: the official summary multiplies by input.size(1)
            flops = output.numel() * args[0].shape[1]
        counts['all'] += flops
        if id(module) in inside:
            counts['part'] += flops

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            _run(model, inputs)
    finally:
        for h in handles:
            h.remove()
    return counts['all'], counts['part']


def model_complexity(model: nn.Module, input_shape: Tuple[int, int, int]) -> Complexity:
    """Complexity of ``model`` (eval mode) for one (C, H, W) input."""
    was_training = model.training
    model.eval()
    try:
        inputs = torch.rand(1, *input_shape, device=next(model.parameters()).device)
        parts = [m for m in (getattr(model, 'neck', None), getattr(model, 'head', None))
                 if isinstance(m, nn.Module)]
        is_tokenpose = any(type(m).__name__ == 'TokenPoseNeck' for m in parts)
        macs, macs_t = true_macs(model, inputs, parts if is_tokenpose else ())
        flops, flops_t = paper_flops(model, inputs, parts if is_tokenpose else ())
    finally:
        model.train(was_training)
    return Complexity(
        params=count_parameters(model),
        gmacs=macs / 1e9,
        paper_gflops=flops / 2**30,
        transformer_gmacs=macs_t / 1e9 if is_tokenpose else None,
        paper_gflops_t=flops_t / 2**30 if is_tokenpose else None)
