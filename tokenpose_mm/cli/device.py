"""``--device``: a device name checked against this machine before anything loads."""
import torch


def check_device(device: str, what: str = '--device') -> None:
    """Raise ``ValueError`` when ``device`` (``'cpu'``, ``'cuda'``, ``'cuda:N'``) is not usable
    here, instead of torch's error at the first tensor moved there (``what``: the option)."""
    try:
        parsed = torch.device(device)
    except RuntimeError as e:
        raise ValueError(f'{what} {device!r} is not a device name (expected cpu, cuda or '
                         f'cuda:N): {e}') from None
    if parsed.type != 'cuda':
        return
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise ValueError(f'{what} {device!r}: CUDA is not available on this machine (no GPU '
                         'visible to torch); use --device cpu')
    if parsed.index is not None and parsed.index >= count:
        raise ValueError(f'{what} {device!r}: only {count} CUDA device(s) are visible '
                         f'(cuda:0 to cuda:{count - 1})')
