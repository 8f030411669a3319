"""gpugrad.save / gpugrad.load: checkpoints in the safetensors format, written atomically, never pickled.

File layout (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N, N bytes of
JSON header ``{name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__":
{str: str}}`` (padded with spaces to a multiple of 8), then the tensors' raw little-endian bytes, back to
back, covering the data section exactly. A flat dict of tensors is stored under its own keys, so other
safetensors readers see an ordinary file.

gpugrad adds three metadata entries: ``gpugrad.structure`` (the nested dicts/lists/tuples and plain values
around the tensors, as JSON), ``gpugrad.crc32`` (a CRC-32 of each tensor's bytes) and
``gpugrad.header_crc32`` (a CRC-32 of the rest of the header), so a corrupted byte anywhere is reported
instead of silently loaded. Loading parses JSON and copies bytes: it never executes code from the file.

Every dtype of the format that NumPy can hold is read and written: BOOL, U8-U64, I8-I64, F16, F32, F64, C64,
and (with the optional ``ml_dtypes`` package) BF16 and the F8 kinds; the packed sub-byte ones (F4, F6_*) and
complex128 (which the format lacks) are clear errors naming the dtype.

Saving writes a temporary file in the destination's folder, fsyncs it and renames it over the destination
(``os.replace`` is atomic), so a crash or kill in the middle leaves the previous checkpoint intact.

>>> import gpugrad as gg, os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
>>> gg.save({"model": {"w": gg.ones(2, 3)}, "step": 7}, path)
>>> ck = gg.load(path)
>>> ck["step"], ck["model"]["w"].shape
(7, gpugrad.Size([2, 3]))
"""
from __future__ import annotations

import json
import os
import pickle
import secrets
import zlib

import numpy as np

from .backend import device as _parse_device, to_device, module_for
from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError"]

_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I8": np.int8, "I16": np.int16,
           "I32": np.int32, "I64": np.int64, "U8": np.uint8, "U16": np.uint16, "U32": np.uint32,
           "U64": np.uint64, "BOOL": np.bool_, "C64": np.complex64}
# the format's dtypes NumPy holds only through ml_dtypes (an optional dependency: pip install ml_dtypes)
_ML_DTYPES = {"BF16": "bfloat16", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2",
              "F8_E4M3FNUZ": "float8_e4m3fnuz", "F8_E5M2FNUZ": "float8_e5m2fnuz", "F8_E8M0": "float8_e8m0fnu"}
# the format's sub-byte dtypes (two or more values packed per byte): no array library here holds them
_PACKED = ("F4", "F6_E2M3", "F6_E3M2")


def _add_ml_dtypes():
    try:
        import ml_dtypes
    except ImportError:
        return
    for code, name in _ML_DTYPES.items():
        if hasattr(ml_dtypes, name):
            _DTYPES[code] = getattr(ml_dtypes, name)


_add_ml_dtypes()
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}


def _unholdable(code):
    """Why a dtype of the format cannot be loaded here, or None if it is not a dtype of the format."""
    if code in _ML_DTYPES:
        return f"{code} needs the ml_dtypes package to be held in a NumPy array (pip install ml_dtypes)"
    if code in _PACKED:
        return f"{code} packs several values per byte, which no array library gpugrad uses can hold"
    return None
_MAX_HEADER = 100 * 1024 * 1024      # the safetensors limit; a larger length means a damaged file
_CHUNK = 1 << 24                     # write in 16 MiB pieces
_OUR_KEYS = ("gpugrad.structure", "gpugrad.crc32", "gpugrad.header_crc32")


class CheckpointError(ValueError):
    """A checkpoint file is truncated, corrupted or not a safetensors file; the message says which and where.

    >>> import os, tempfile, gpugrad as gg
    >>> path = os.path.join(tempfile.mkdtemp(), "bad.safetensors")
    >>> _ = open(path, "wb").write(b"not a checkpoint")
    >>> try:
    ...     gg.load(path)
    ... except gg.serialization.CheckpointError:
    ...     print("refused")
    refused
    """


# ---------------------------------------------------------------------------------------------------------
# save
# ---------------------------------------------------------------------------------------------------------
def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False) -> None:
    """Write ``obj`` (a Tensor, or nested dicts/lists/tuples of Tensors, ints, floats, strings, bools and
    None, such as a ``state_dict()``; NumPy scalars are stored as the equal Python number) in the safetensors format to ``f``: a path (written atomically) or a
    binary file object such as ``io.BytesIO`` (written at its position).

    Args:
        obj: what to save.
        f: a path or a binary file object.
        pickle_module: PyTorch's; only ``pickle`` or None (nothing is pickled), else ValueError.
        pickle_protocol: PyTorch's; accepted and ignored (nothing is pickled).
        _use_new_zipfile_serialization: PyTorch's; accepted and ignored (the format is safetensors).
        _disable_byteorder_record: PyTorch's; accepted and ignored (safetensors is little-endian).

    Returns:
        None. The previous file at ``f``, if any, is replaced only once the new one is complete.

    >>> import os, tempfile, gpugrad as gg
    >>> path = os.path.join(tempfile.mkdtemp(), "ck.safetensors")
    >>> gg.save({"w": gg.ones(2), "epoch": 3}, path)
    >>> gg.load(path)["epoch"]
    3
    """
    _no_pickle("save", pickle_module)
    is_path = isinstance(f, (str, os.PathLike))
    if not is_path and not hasattr(f, "write"):
        raise TypeError(f"gpugrad.save: expected a file path (str or os.PathLike) or a binary file object, got "
                        f"{type(f).__name__}")
    tensors = {}                               # name -> Tensor
    ids = {}                                   # id(Tensor) -> name: a tensor saved twice is stored once
    structure = _encode(obj, "", tensors, ids, set())
    header, arrays = _build_header(tensors, structure)
    if is_path:
        _atomic_write(os.fspath(f), header, arrays)
    else:
        _write_all(f, header, arrays)


# nn's UninitializedParameter holds no values (PyTorch pickles it; safetensors can't store it): known by name,
# since nn sits above this layer
_UNINITIALIZED = ("gpugrad.nn.parameter", "UninitializedParameter")


def _encode(obj, name, tensors, ids, active):
    """The JSON description of obj; registers each tensor under a unique dotted name."""
    if isinstance(obj, Tensor):
        if (type(obj).__module__, type(obj).__name__) == _UNINITIALIZED:
            raise ValueError(f"gpugrad.save: {name or 'the object'} is an uninitialized parameter (a lazy layer such "
                             f"as nn.LazyLinear that was never called, so its shape is unknown); call the model once "
                             f"on a batch before saving")
        key = ids.get(id(obj))
        if key is None:
            key = _unique(name or "tensor", tensors)
            ids[id(obj)] = key
            tensors[key] = obj
        return {"tensor": key, "device": str(obj.device), "requires_grad": bool(obj.requires_grad)}
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        obj = obj.item()                    # a NumPy scalar (np.argmax, a metric): stored as the Python value
    if obj is None or isinstance(obj, (bool, int, str)):
        return {"value": obj}
    if isinstance(obj, float):
        return {"float": repr(obj)}         # repr keeps every digit and spells inf/nan
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in active:
            raise ValueError(f"gpugrad.save: {name or 'the object'} contains itself; cannot save a cycle")
        active.add(id(obj))
        try:
            if isinstance(obj, dict):
                items = []
                for k, v in obj.items():
                    if not isinstance(k, (str, int)) or isinstance(k, bool):
                        raise TypeError(f"gpugrad.save: dict keys must be str or int, got {type(k).__name__} "
                                        f"at {name or 'the top level'}")
                    items.append([k, _encode(v, f"{name}.{k}" if name else str(k), tensors, ids, active)])
                return {"dict": items}
            kind = "list" if isinstance(obj, list) else "tuple"
            return {kind: [_encode(v, f"{name}.{i}" if name else str(i), tensors, ids, active)
                           for i, v in enumerate(obj)]}
        finally:
            active.discard(id(obj))
    if isinstance(obj, np.ndarray):
        raise TypeError(f"gpugrad.save: {name or 'the object'} is a NumPy array; wrap it with gpugrad.tensor()")
    raise TypeError(f"gpugrad.save: cannot save {type(obj).__name__} at {name or 'the top level'}; only Tensors, "
                    f"dicts, lists, tuples, int, float, str, bool and None are stored (no pickling)")


def _unique(name, taken):
    if name not in taken and name != "__metadata__":
        return name
    i = 1
    while f"{name}~{i}" in taken:
        i += 1
    return f"{name}~{i}"


def _host_bytes(t: Tensor, name):
    code = _CODES.get(t.dtype)
    if code is None:
        hint = (" (its only complex dtype is complex64, C64)" if t.dtype == np.complex128 else
                "" if "BF16" in _DTYPES else "; bfloat16 and float8 need ml_dtypes (pip install ml_dtypes)")
        raise TypeError(f"gpugrad.save: tensor {name!r} has dtype {t.dtype}, which the safetensors format cannot "
                        f"store{hint} (storable here: {', '.join(sorted(str(np.dtype(d)) for d in _DTYPES.values()))})")
    arr = t._data if isinstance(t._data, np.ndarray) else t._data.get()
    arr = np.asarray(arr, dtype=arr.dtype.newbyteorder("<"))
    return code, arr if arr.flags.c_contiguous else arr.copy(order="C")   # (ascontiguousarray makes 0-d 1-d)


def _build_header(tensors, structure):
    # larger items first keeps every tensor aligned to its item size (the data starts 8-byte aligned)
    entries = [(name, *_host_bytes(t, name)) for name, t in tensors.items()]
    entries.sort(key=lambda e: -e[2].dtype.itemsize)
    header, arrays, crcs, off = {}, [], {}, 0
    for name, code, arr in entries:
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [off, off + arr.nbytes]}
        crcs[name] = zlib.crc32(arr.reshape(-1).view(np.uint8)) if arr.size else 0
        arrays.append(arr)
        off += arr.nbytes
    meta = {"format": "pt", "gpugrad.structure": json.dumps(structure, separators=(",", ":")),
            "gpugrad.crc32": json.dumps(crcs, separators=(",", ":"))}
    header["__metadata__"] = meta
    meta["gpugrad.header_crc32"] = str(_header_crc(header))
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(len(text) + 8) % 8)
    return len(text).to_bytes(8, "little") + text, arrays


def _header_crc(header):
    """CRC-32 of the header's canonical JSON without the checksum entry itself."""
    meta = dict(header["__metadata__"])
    meta.pop("gpugrad.header_crc32", None)
    canon = dict(header)
    canon["__metadata__"] = meta
    return zlib.crc32(json.dumps(canon, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def _write_bytes(fh, buf):
    """Write one chunk (a module-level function so tests can slow it down and kill the writer mid-file)."""
    fh.write(buf)


def _write_all(fh, head, arrays):
    _write_bytes(fh, head)
    for arr in arrays:
        flat = arr.reshape(-1).view(np.uint8)
        for i in range(0, flat.size, _CHUNK):
            _write_bytes(fh, flat[i:i + _CHUNK])


def _atomic_write(path, head, arrays):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"gpugrad.save: folder {folder!r} does not exist (saving {path!r})")
    # O_EXCL with a random name, mode 0o666 filtered by the umask (mkstemp would leave the checkpoint 0o600)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, head, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:                                        # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass                                    # some filesystems refuse to fsync a directory


# ---------------------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------------------
def _no_pickle(fn, pickle_module):
    # PyTorch's pickle_module= exists so that pickle can be swapped (dill, ...); gpugrad never pickles
    if pickle_module is not None and getattr(pickle_module, "__name__", None) != "pickle":
        raise ValueError(f"gpugrad.{fn}: pickle_module={getattr(pickle_module, '__name__', pickle_module)!r} is "
                         f"not supported: gpugrad writes safetensors and never pickles")


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read a checkpoint written by :func:`save` (or any safetensors file: then a flat dict of tensors).

    ``map_location``: None puts each tensor back on the device it was saved from; a device ('cpu',
    'cuda:0', a Device) puts all of them there; a dict maps saved device names to devices
    (``{'cuda:0': 'cpu'}``). Raises :class:`CheckpointError` naming the file and the damage if it is
    truncated or corrupted.

    Args:
        f: a path (or a binary file object).
        map_location: where to put the tensors: a device, a string, a dict old -> new device or a function; default: the devices they were saved from (CPU where CUDA is missing is an error naming map_location).
        pickle_module: PyTorch's; only None or ``pickle`` (nothing is unpickled), else ValueError.
        weights_only: PyTorch's; True or False give the same result: loading never runs code from the file.
        mmap: PyTorch's; accepted and ignored (the file is read into memory).
        pickle_load_args: PyTorch's extra unpickler arguments (``encoding=``); accepted and ignored.

    Returns:
        What was saved: the same nesting of dicts, lists and tuples, with Tensors on their devices (a flat
        dict for a foreign safetensors file).

    >>> import os, tempfile, gpugrad as gg
    >>> path = os.path.join(tempfile.mkdtemp(), "ck.safetensors")
    >>> gg.save({"w": gg.ones(2)}, path)
    >>> gg.load(path, map_location="cpu")["w"]
    tensor([1., 1.])
    """
    _no_pickle("load", pickle_module)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        with open(path, "rb") as fh:           # read piece by piece: one copy of each tensor in memory
            header, meta, arrays = _read(path, fh)
    elif hasattr(f, "readinto") and hasattr(f, "seek"):
        path = getattr(f, "name", None) or f"<{type(f).__name__}>"
        header, meta, arrays = _read(path, f)
    else:
        raise TypeError(f"gpugrad.load: expected a file path (str or os.PathLike) or a seekable binary file "
                        f"object, got {type(f).__name__}")
    place = _placer(map_location)
    if "gpugrad.structure" not in meta:
        return {name: Tensor._make(place(arr, "cpu"), None, False) for name, arr in arrays.items()}
    try:
        structure = json.loads(meta["gpugrad.structure"])
        return _decode(structure, arrays, place)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise CheckpointError(f"gpugrad.load: {path}: corrupted structure metadata ({e})") from None


def _read(path, fh):
    header, data_len = _parse(path, fh)
    meta = header.pop("__metadata__", None) or {}
    return header, meta, _arrays(path, header, fh, data_len, meta)


def _parse(path, fh):
    """(header dict, length of the data section) from a file positioned at the checkpoint's start, checking
    lengths and checksum."""
    start = fh.tell()
    size = fh.seek(0, os.SEEK_END) - start
    fh.seek(start)
    if size < 8:
        raise CheckpointError(f"gpugrad.load: {path}: truncated or not a safetensors file: it is {size} bytes "
                              f"long, shorter than the 8-byte header length")
    n = int.from_bytes(fh.read(8), "little")
    if n > _MAX_HEADER:
        raise CheckpointError(f"gpugrad.load: {path}: corrupted or not a safetensors file: header length {n} "
                              f"exceeds the {_MAX_HEADER}-byte limit")
    if 8 + n > size:
        raise CheckpointError(f"gpugrad.load: {path}: truncated file: the header says {n} header bytes follow "
                              f"but only {size - 8} do ({size} bytes in all)")
    try:
        header = json.loads(fh.read(n).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise CheckpointError(f"gpugrad.load: {path}: corrupted header (not valid JSON: {e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"gpugrad.load: {path}: corrupted header (expected a JSON object, got "
                              f"{type(header).__name__})")
    meta = header.get("__metadata__")
    if meta is not None and not (isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())):
        raise CheckpointError(f"gpugrad.load: {path}: corrupted header (__metadata__ must map strings to strings)")
    ours = [k for k in (meta or ()) if k.startswith("gpugrad.")]
    if ours and any(k not in meta for k in _OUR_KEYS):
        raise CheckpointError(f"gpugrad.load: {path}: corrupted header (gpugrad metadata incomplete: has "
                              f"{sorted(ours)}, expected {list(_OUR_KEYS)})")
    if ours and meta["gpugrad.header_crc32"] != str(_header_crc(header)):
        raise CheckpointError(f"gpugrad.load: {path}: corrupted header (its checksum does not match)")
    return header, size - 8 - n


def _arrays(path, header, fh, data_len, meta):
    """Validate every entry's dtype, shape and offsets (they must tile the data section exactly, which is
    what catches a file cut short anywhere in its data) and check each tensor's CRC."""
    try:
        crcs = json.loads(meta["gpugrad.crc32"]) if "gpugrad.crc32" in meta else None
    except ValueError:
        raise CheckpointError(f"gpugrad.load: {path}: corrupted checksum metadata") from None
    spans = []
    for name, e in header.items():
        if isinstance(e, dict) and _unholdable(e.get("dtype")) and e.get("dtype") not in _DTYPES:
            raise CheckpointError(f"gpugrad.load: {path}: tensor {name!r} has dtype {_unholdable(e['dtype'])}")
        if not isinstance(e, dict) or e.get("dtype") not in _DTYPES or not isinstance(e.get("shape"), list) \
                or not isinstance(e.get("data_offsets"), list) or len(e["data_offsets"]) != 2:
            raise CheckpointError(f"gpugrad.load: {path}: corrupted header entry for tensor {name!r}: {e!r}")
        shape, (b, end) = e["shape"], e["data_offsets"]
        if not all(isinstance(s, int) and s >= 0 for s in shape) or not all(isinstance(o, int) for o in (b, end)):
            raise CheckpointError(f"gpugrad.load: {path}: corrupted header entry for tensor {name!r}: {e!r}")
        spans.append((b, end, name))
    spans.sort()
    pos = 0
    for b, end, name in spans:
        if b != pos or end < b:
            raise CheckpointError(f"gpugrad.load: {path}: corrupted header: tensor {name!r} occupies bytes "
                                  f"[{b}, {end}) of the data section, expected it to start at {pos}")
        pos = end
    if pos != data_len:
        what = "truncated file" if pos > data_len else "corrupted file (trailing bytes)"
        raise CheckpointError(f"gpugrad.load: {path}: {what}: the header describes {pos} bytes of tensor data "
                              f"but {data_len} follow the header")
    out = {}
    for b, end, name in spans:
        e = header[name]
        dt = np.dtype(_DTYPES[e["dtype"]]).newbyteorder("<")
        count = int(np.prod(e["shape"], dtype=np.int64))
        if count * dt.itemsize != end - b:
            raise CheckpointError(f"gpugrad.load: {path}: corrupted header: tensor {name!r} of dtype {e['dtype']} "
                                  f"and shape {e['shape']} needs {count * dt.itemsize} bytes, its offsets span "
                                  f"{end - b}")
        arr = np.empty(count, dtype=dt)
        raw = arr.view(np.uint8)
        if fh.readinto(raw) != raw.size:
            raise CheckpointError(f"gpugrad.load: {path}: truncated file: it ended inside tensor {name!r} "
                                  f"(was it being written while read?)")
        if crcs is not None and zlib.crc32(raw) != crcs.get(name):
            raise CheckpointError(f"gpugrad.load: {path}: corrupted data: the bytes of tensor {name!r} do not "
                                  f"match their checksum")
        if dt.kind == "b" and count and raw.max() > 1:
            raise CheckpointError(f"gpugrad.load: {path}: corrupted data: bool tensor {name!r} holds bytes "
                                  f"other than 0 and 1")
        out[name] = arr.reshape(e["shape"]).astype(dt.newbyteorder("="), copy=False)   # native byte order
    return out


def _placer(map_location):
    """A function (host array, saved device name) -> array on the device the caller asked for."""
    if map_location is None:
        def target(saved):
            return _parse_device(saved)
    elif isinstance(map_location, dict):
        table = {str(_parse_device(k)): _parse_device(v) for k, v in map_location.items()}

        def target(saved):
            return table.get(str(_parse_device(saved)), _parse_device(saved))
    else:
        dev = _parse_device(map_location)

        def target(saved):
            return dev

    def place(arr, saved):
        dev = target(saved)
        if dev.type != "cpu":
            try:
                module_for(dev)
            except RuntimeError as e:
                raise RuntimeError(f"gpugrad.load: a tensor was saved on {saved}: {e}; pass "
                                   f"map_location='cpu' to load it on the CPU") from None
        return to_device(arr, dev)
    return place


def _decode(node, arrays, place, memo=None):
    """Rebuild the saved structure; a tensor stored once but referenced twice comes back as one Tensor."""
    memo = {} if memo is None else memo
    if "tensor" in node:
        key = node["tensor"]
        if key not in memo:
            t = Tensor._make(place(arrays[key], node.get("device", "cpu")), None, False)
            if node.get("requires_grad") and t.dtype.kind == "f":
                t.requires_grad = True
            memo[key] = t
        return memo[key]
    if "value" in node:
        return node["value"]
    if "float" in node:
        return float(node["float"])
    if "dict" in node:
        return {k: _decode(v, arrays, place, memo) for k, v in node["dict"]}
    if "list" in node:
        return [_decode(v, arrays, place, memo) for v in node["list"]]
    if "tuple" in node:
        return tuple(_decode(v, arrays, place, memo) for v in node["tuple"])
    raise ValueError(f"unknown node {node!r}")
