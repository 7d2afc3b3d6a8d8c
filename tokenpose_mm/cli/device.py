"""``--device``: a device name checked against this machine before anything loads."""
import torch


def check_device(device: str, what: str = '--device') -> None:
    """Raise ``ValueError`` when ``device`` (``'cpu'``, ``'cuda'``, ``'cuda:N'``, ``'mps'``
    where available) is not usable here, naming the devices that are, instead of torch's error
    at the first tensor moved there (``what``: the option)."""
    try:
        parsed = torch.device(device)
    except RuntimeError as e:
        raise ValueError(f'{what} {device!r} is not a device name (expected cpu, cuda or '
                         f'cuda:N): {e}') from None
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if parsed.type == 'cpu':
        return
    if parsed.type != 'cuda':
        usable = ['cpu'] + [f'cuda:{i}' for i in range(count)]
        mps = getattr(torch.backends, 'mps', None)
        if parsed.type == 'mps' and mps is not None and mps.is_available():
            return
        raise ValueError(f'{what} {device!r}: {parsed.type} is not available on this machine '
                         f'(or not supported here); available: {", ".join(usable)}')
    if count == 0:
        raise ValueError(f'{what} {device!r}: CUDA is not available on this machine (no GPU '
                         'visible to torch); use --device cpu')
    if parsed.index is not None and parsed.index >= count:
        raise ValueError(f'{what} {device!r}: only {count} CUDA device(s) are visible '
                         f'(cuda:0 to cuda:{count - 1})')
