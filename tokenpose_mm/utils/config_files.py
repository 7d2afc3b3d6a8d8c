"""Where a config named on a command line or in an API call lives on disk."""
import os.path as osp

from ..config_zoo import package_config_folders


def resolve_config(config: str, what: str = 'config') -> str:
    """The file behind ``config``: a path, or ``package::relative/path.py`` inside an installed
    OpenMMLab package's configs (``mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py``) or its other
    installed files (``mmpose::demo/mmdetection_cfg/rtmdet_m_640-8xb32_coco-person.py``).

    Raises:
        FileNotFoundError: naming ``what`` and ``config`` (or the package that is not installed).
    """
    if '::' in config:
        package, _, rel = config.partition('::')
        try:
            folders = package_config_folders(package)
        except FileNotFoundError as e:
            raise FileNotFoundError(f'{what} {config!r}: {e}') from None
        # the package's configs, else its other installed files (mmpose::demo/mmdetection_cfg/...)
        for folder in folders:
            if osp.isfile(osp.join(folder, rel)):
                return osp.join(folder, rel)
        raise FileNotFoundError(f'{what} not found: {config!r} (no {rel!r} in the configs of '
                                f'{package!r})')
    if not osp.isfile(config):
        raise FileNotFoundError(f'{what} not found: {config!r}')
    return config
