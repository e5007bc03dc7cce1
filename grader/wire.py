"""What crosses between the trusted grader and a student's sandbox: plain data, both ways.

The trusted side (:mod:`grader.trusted`) sends requests to the sandboxed
evaluator (:mod:`grader.evaluate`) and reads its answers as *data*: numbers,
strings, lists, tuples, dicts and numeric numpy arrays, nothing that runs code
when read, and a numpy random ``Generator`` as the state of its PCG64 bit
generator (the course's random functions take one). One message is one line of
JSON on a pipe. The trusted side reads every answer with :func:`read_message`
(a size cap) and :func:`decode` (which builds only those types; arrays of
numeric dtypes only, their size checked against their bytes; text stripped of
control characters).

This module is the only one both sides import; it imports nothing of the grader.
"""

import base64
import json
import os
import re
import selectors
import time

import numpy as np

#: Largest message, in bytes, either side reads (a trained network is far smaller).
MAX_MESSAGE = 64 * 1024**2
#: Longest text kept from the student's side (an exception message, a repr).
MAX_TEXT = 2000
#: Array dtypes that may cross: booleans, integers and floats.
ARRAY_KINDS = "biuf"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class WireError(ValueError):
    """A message that is not what the protocol allows."""


def clean_text(text, limit=MAX_TEXT):
    """Text from the student's side as data: no control characters, at most ``limit`` long."""
    return _CONTROL.sub("", str(text))[:limit]


def encode(value):
    """Plain JSON-able data for ``value``; what cannot cross is described, not sent."""
    if isinstance(value, bool | np.bool_):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, int | np.integer):
        return {"t": "int", "v": str(int(value))}
    if isinstance(value, float | np.floating):
        return {"t": "float", "v": repr(float(value))}
    if value is None:
        return {"t": "none"}
    if isinstance(value, str):
        return {"t": "str", "v": clean_text(value)}
    if isinstance(value, np.ndarray) and value.dtype.kind in ARRAY_KINDS:
        data = np.ascontiguousarray(value)
        return {"t": "array", "dtype": data.dtype.str, "shape": list(data.shape),
                "b64": base64.b64encode(data.tobytes()).decode("ascii")}
    if isinstance(value, tuple | list):
        return {"t": type(value).__name__, "v": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[str(key), encode(item)] for key, item in value.items()]}
    if isinstance(value, np.random.Generator) and isinstance(value.bit_generator, np.random.PCG64):
        state = value.bit_generator.state
        return {"t": "generator", "state": str(state["state"]["state"]),
                "inc": str(state["state"]["inc"]), "has_uint32": int(state["has_uint32"]),
                "uinteger": int(state["uinteger"])}
    if callable(value):
        return {"t": "function", "v": clean_text(getattr(value, "__name__", "function"), 100)}
    return {"t": "other", "v": clean_text(repr_of(value), 200)}


def repr_of(value):
    """``repr(value)``, or a description when its ``__repr__`` fails."""
    try:
        return repr(value)
    except Exception:  # the student's object; its repr is theirs to break
        return f"<{type(value).__name__} object>"


class Opaque:
    """What came back but is not data (an object of the student's): it equals nothing."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text

    def __eq__(self, other):
        return False

    __hash__ = None


def decode(value, depth=0):
    """The Python value of :func:`encode`'s data; raises :class:`WireError` otherwise.

    Builds only numbers, strings, None, lists, tuples, dicts, numeric arrays and
    :class:`Opaque` placeholders: reading an answer never runs the student's code.
    """
    if depth > 20 or not isinstance(value, dict):
        raise WireError("malformed value")
    kind = value.get("t")
    try:
        if kind == "bool":
            return bool(value["v"])
        if kind == "int":
            return int(str(value["v"])[:400])
        if kind == "float":
            return float(str(value["v"])[:60])
        if kind == "none":
            return None
        if kind == "str":
            return clean_text(value["v"])
        if kind == "array":
            return _array(value)
        if kind in ("list", "tuple"):
            items = [decode(item, depth + 1) for item in value["v"]]
            return tuple(items) if kind == "tuple" else items
        if kind == "dict":
            return {clean_text(key, 100): decode(item, depth + 1) for key, item in value["v"]}
        if kind == "generator":
            return _generator(value)
        if kind in ("function", "other"):
            return Opaque(" ".join(clean_text(value["v"], 200).splitlines()))
    except (KeyError, TypeError, ValueError) as error:
        raise WireError(f"malformed {kind}: {error}") from None
    raise WireError(f"unknown kind {kind!r}")


def _generator(value):
    """A ``numpy.random.Generator`` in the given PCG64 state (integers only are read)."""
    generator = np.random.Generator(np.random.PCG64())
    generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": int(str(value["state"])[:60]), "inc": int(str(value["inc"])[:60])},
        "has_uint32": int(value["has_uint32"]), "uinteger": int(value["uinteger"])}
    return generator


def _array(value):
    dtype = np.dtype(str(value["dtype"]))
    if dtype.kind not in ARRAY_KINDS:
        raise WireError(f"arrays of dtype {dtype} cannot cross")
    shape = tuple(int(n) for n in value["shape"])
    if len(shape) > 8 or any(n < 0 for n in shape):
        raise WireError("bad array shape")
    data = base64.b64decode(value["b64"], validate=True)
    if len(data) != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
        raise WireError("array size does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


class LineReader:
    """Lines from a pipe, each waited for at most a given time and read with a size cap."""

    def __init__(self, stream, limit=MAX_MESSAGE):
        self.stream, self.limit, self.buffer = stream, limit, b""

    def line(self, timeout):
        """The next line (without its newline); ``TimeoutError`` if none comes in
        ``timeout`` seconds, ``EOFError`` if the writer closed the pipe first."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.stream, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise TimeoutError
                chunk = os.read(self.stream.fileno(), 1 << 20)
                if not chunk:
                    raise EOFError
                self.buffer += chunk
                if len(self.buffer) > self.limit:
                    raise WireError("message too large")
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line


def write_message(stream, message):
    """Write one message (a JSON-able dict) as one line and flush."""
    stream.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
    stream.flush()


def parse_message(line):
    """One message from one line of bytes; :class:`WireError` if it is not one."""
    if len(line) > MAX_MESSAGE:
        raise WireError("message too large")
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, ValueError):
        raise WireError("not JSON") from None
    if not isinstance(message, dict):
        raise WireError("not a message")
    return message
