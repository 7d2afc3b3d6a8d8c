"""Small files that would cost far more memory than their size, written the way torch, Pillow
and OpenCV read them (the bad-input cases and the checkpoint tests build them in tmp)."""
import io
import pickle
import struct
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path

import torch


class _Record:
    """Stands for the storage record ``data/0`` while pickling (a persistent id, as torch's)."""

    def __init__(self, numel: int) -> None:
        self.numel = numel


class _Zeros:
    """Pickles as torch pickles a float32 tensor of ``numel`` elements held by ``data/0``."""

    def __init__(self, numel: int) -> None:
        self.numel = numel

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (_Record(self.numel), 0, (self.numel, ), (1, ), False, OrderedDict()))


class _TorchPickler(pickle.Pickler):

    def __init__(self, file, legacy: bool) -> None:
        super().__init__(file, protocol=2)
        self.legacy = legacy

    def persistent_id(self, obj):
        if not isinstance(obj, _Record):
            return None
        pid = ('storage', torch.FloatStorage, '0', 'cpu', obj.numel)
        return pid + (None, ) if self.legacy else pid


def _main_pickle(numel: int, legacy: bool) -> bytes:
    buffer = io.BytesIO()
    _TorchPickler(buffer, legacy).dump({'state_dict': {'w': _Zeros(numel)}})
    return buffer.getvalue()


def deflated_checkpoint(path: Path, numel: int) -> Path:
    """A torch zip checkpoint ``{'state_dict': {'w': zeros(numel)}}`` whose record is deflated:
    about ``numel / 250`` bytes on disk, ``4 * numel`` bytes once torch has loaded it (torch
    reads deflated records although it writes them stored). The other records are copied from
    a real ``torch.save``."""
    reference = io.BytesIO()
    torch.save({'state_dict': {'w': torch.zeros(1)}}, reference)
    with zipfile.ZipFile(reference) as src, zipfile.ZipFile(
            path, 'w', zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            name = info.filename.replace('archive/', 'crafted/', 1)
            if info.filename.endswith('/data.pkl'):
                out.writestr(name, _main_pickle(numel, legacy=False), zipfile.ZIP_STORED)
            elif info.filename.endswith('/data/0'):
                with out.open(name, 'w', force_zip64=True) as record:
                    chunk = bytes(2**22)
                    for start in range(0, 4 * numel, len(chunk)):
                        record.write(chunk[:4 * numel - start])
            else:
                out.writestr(name, src.read(info), zipfile.ZIP_STORED)
    return path


def legacy_checkpoint(path: Path, numel: int, stored: int = 5) -> Path:
    """A legacy-format (non-zip) torch checkpoint whose pickle declares a float32 storage of
    ``numel`` elements while the file holds ``stored``; torch allocates the declared size
    before it reads the data."""
    parts = [pickle.dumps(torch.serialization.MAGIC_NUMBER, protocol=2),
             pickle.dumps(torch.serialization.PROTOCOL_VERSION, protocol=2),
             pickle.dumps({'protocol_version': torch.serialization.PROTOCOL_VERSION,
                           'little_endian': True,
                           'type_sizes': {'short': 2, 'int': 4, 'long': 4}}, protocol=2),
             _main_pickle(numel, legacy=True), pickle.dumps(['0'], protocol=2),
             struct.pack('<q', stored), bytes(4 * stored)]
    path.write_bytes(b''.join(parts))
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))


def black_png(path: Path, width: int, height: int) -> Path:
    """A valid black 1-bit grayscale PNG: a few kB on disk for 20000 x 20000, decoded by
    OpenCV to ``height * width * 3`` bytes of BGR."""
    row = bytes(1 + (width + 7) // 8)  # filter type 0, then the packed bits
    compressor = zlib.compressobj(9)
    pixels = b''.join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack('>IIBBBBB', width, height, 1, 0, 0, 0, 0)  # 1 bit, grayscale
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + _png_chunk(b'IHDR', header) +
                     _png_chunk(b'IDAT', pixels) + _png_chunk(b'IEND', b''))
    return path
