# SPDX-License-Identifier: GPL-3.0-or-later
"""The few edits the face model needs, done on the ONNX protobuf bytes directly, without the onnx package.

Importing ``onnx`` runs C extension initialisers (onnx's own, ml_dtypes) that hold the GIL for about half
a second. Done on a worker thread of the desktop app, that froze the window for as long, once per
session, the first time anything asked whether faces can be detected. These edits only drop and rewrite
a handful of messages, so they read and write the protobuf wire format themselves (pure Python, a few
milliseconds, releasing the GIL between bytecodes like any Python code).

Field numbers are those of onnx.proto (stable since ONNX 1.0):
ModelProto.graph = 7; GraphProto.node = 1, initializer = 5, input = 11, output = 12;
NodeProto.input = 1; TensorProto.name = 8; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1;
TypeProto.Tensor.shape = 2; TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5

MODEL_GRAPH = 7
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_INPUT, GRAPH_OUTPUT = 1, 5, 11, 12
NODE_INPUT = 1
TENSOR_NAME = 8
VALUE_NAME, VALUE_TYPE = 1, 2
TYPE_TENSOR = 1
TENSOR_TYPE_SHAPE = 2
SHAPE_DIM = 1
DIM_VALUE, DIM_PARAM = 1, 2


class MalformedModel(ValueError):
    """The bytes are not a protobuf message of the expected shape."""


@dataclass(frozen=True)
class Field:
    number: int
    wire: int
    raw: bytes  # the whole field as stored: tag, (length,) payload
    payload: bytes  # for length-delimited fields the bytes inside; else the value's bytes


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise MalformedModel("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise MalformedModel("varint too long")


def encode_varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # int64 fields store negatives as ten-byte two's complement
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def fields(data: bytes) -> list[Field]:
    """The fields of one message, in stored order."""
    out: list[Field] = []
    pos = 0
    while pos < len(data):
        start = pos
        tag, pos = _varint(data, pos)
        number, wire = tag >> 3, tag & 7
        if wire == _VARINT:
            _, end = _varint(data, pos)
            payload_start = pos
        elif wire == _FIXED64:
            payload_start, end = pos, pos + 8
        elif wire == _FIXED32:
            payload_start, end = pos, pos + 4
        elif wire == _BYTES:
            length, payload_start = _varint(data, pos)
            end = payload_start + length
        else:
            raise MalformedModel(f"unsupported wire type {wire}")
        if end > len(data) or number == 0:
            raise MalformedModel("field runs past the end of its message")
        out.append(Field(number, wire, data[start:end], data[payload_start:end]))
        pos = end
    return out


def message_field(number: int, payload: bytes) -> bytes:
    """One length-delimited field (sub-message or string), encoded."""
    return encode_varint(number << 3 | _BYTES) + encode_varint(len(payload)) + payload


def _strings(data: bytes, number: int) -> list[str]:
    return [f.payload.decode("utf-8") for f in fields(data) if f.number == number and f.wire == _BYTES]


def value_name(value_info: bytes) -> str:
    names = _strings(value_info, VALUE_NAME)
    return names[0] if names else ""


def with_dims(value_info: bytes, dims: Sequence[int | str]) -> bytes:
    """The ValueInfoProto with its tensor shape replaced by ``dims`` (ints fixed, strings symbolic)."""
    shape = b"".join(
        message_field(
            SHAPE_DIM,
            message_field(DIM_PARAM, d.encode("utf-8"))
            if isinstance(d, str)
            else encode_varint(DIM_VALUE << 3 | _VARINT) + encode_varint(d),
        )
        for d in dims
    )
    out = bytearray()
    for f in fields(value_info):
        if f.number != VALUE_TYPE:
            out += f.raw
            continue
        type_out = bytearray()
        for t in fields(f.payload):
            if t.number != TYPE_TENSOR:
                type_out += t.raw
                continue
            tensor = b"".join(s.raw for s in fields(t.payload) if s.number != TENSOR_TYPE_SHAPE)
            type_out += message_field(TYPE_TENSOR, tensor + message_field(TENSOR_TYPE_SHAPE, shape))
        out += message_field(VALUE_TYPE, bytes(type_out))
    return bytes(out)


def prepare_graph(
    model: bytes, input_dims: Sequence[int | str], output_dims: Sequence[Sequence[int | str]]
) -> tuple[bytes, list[str], int]:
    """The model with weights no longer listed as graph inputs, unread weights dropped, and the shapes
    of its real inputs (each ``input_dims``) and outputs (in order, ``output_dims``) replaced.

    Also returns the names of the real inputs and the number of outputs, for the caller to check.
    """
    model_fields = fields(model)
    graphs = [f for f in model_fields if f.number == MODEL_GRAPH and f.wire == _BYTES]
    if len(graphs) != 1:
        raise MalformedModel("the model has no single graph")
    graph = fields(graphs[0].payload)
    initialisers = {
        name: i for i, f in enumerate(graph) if f.number == GRAPH_INITIALIZER
        for name in _strings(f.payload, TENSOR_NAME)[:1]
    }
    used = {name for f in graph if f.number == GRAPH_NODE for name in _strings(f.payload, NODE_INPUT)}
    outputs = [f for f in graph if f.number == GRAPH_OUTPUT]
    real_inputs: list[str] = []
    out = bytearray()
    output_index = 0
    for f in graph:
        if f.number == GRAPH_INPUT:
            name = value_name(f.payload)
            if name in initialisers:
                continue
            real_inputs.append(name)
            out += message_field(GRAPH_INPUT, with_dims(f.payload, input_dims))
        elif f.number == GRAPH_INITIALIZER:
            names = _strings(f.payload, TENSOR_NAME)
            if names and names[0] not in used:
                continue
            out += f.raw
        elif f.number == GRAPH_OUTPUT and output_index < len(output_dims):
            out += message_field(GRAPH_OUTPUT, with_dims(f.payload, output_dims[output_index]))
            output_index += 1
        else:
            out += f.raw
    new_model = b"".join(
        message_field(MODEL_GRAPH, bytes(out)) if f is graphs[0] else f.raw for f in model_fields
    )
    return new_model, real_inputs, len(outputs)
