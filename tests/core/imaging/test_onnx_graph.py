# SPDX-License-Identifier: GPL-3.0-or-later
"""The face model's graph edits, made on the protobuf bytes, against the onnx package as the oracle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.imaging import faces
from core.imaging.onnx_graph import MalformedModel, encode_varint, fields, prepare_graph

ROOT = Path(__file__).resolve().parents[3]
onnx = pytest.importorskip("onnx")
needs_model = pytest.mark.skipif(faces.detector_status() is not None, reason="face model not installed")


def _set_dims(value: object, dims: list[int | str]) -> None:
    shape = value.type.tensor_type.shape  # type: ignore[attr-defined]
    del shape.dim[:]
    for d in dims:
        dim = shape.dim.add()
        if isinstance(d, str):
            dim.dim_param = d
        else:
            dim.dim_value = d


def _tiny_model() -> bytes:
    """y = x + w, with w listed as a graph input too and an initialiser no node reads."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((1, 3, 4, 4), np.float32), "w")
    unread = numpy_helper.from_array(np.zeros(2, np.int64), "unread")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4]),
         helper.make_tensor_value_info("w", TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])],
        [w, unread],
    )
    return helper.make_model(graph).SerializeToString()


def _reference(raw: bytes, input_dims: list[int | str], output_dims: list[list[int | str]]) -> object:
    model = onnx.load_from_string(raw)
    graph = model.graph
    initialisers = {i.name for i in graph.initializer}
    real = [i for i in graph.input if i.name not in initialisers]
    del graph.input[:]
    graph.input.extend(real)
    used = {name for node in graph.node for name in node.input}
    for init in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(init)
    for value in graph.input:
        _set_dims(value, input_dims)
    for value, dims in zip(graph.output, output_dims, strict=True):
        _set_dims(value, dims)
    return model


def test_edits_match_the_onnx_package_on_a_small_graph() -> None:
    raw = _tiny_model()
    prepared, inputs, n_outputs = prepare_graph(raw, ["B", 3, "H", "W"], [["B", 3, "H", "W"]])
    assert inputs == ["x"] and n_outputs == 1
    got = onnx.load_from_string(prepared)
    assert got == _reference(raw, ["B", 3, "H", "W"], [["B", 3, "H", "W"]])
    assert [i.name for i in got.graph.initializer] == ["w"]
    assert [i.name for i in got.graph.input] == ["x"]
    onnx.checker.check_model(got)


@needs_model
def test_face_model_prepared_as_the_onnx_package_would() -> None:
    raw = faces._locate_model().read_bytes()
    outputs: list[list[int | str]] = [["B", c, "h", "w"] for c in (1, 2, 2, 10)]
    assert onnx.load_from_string(faces._prepare_model(raw)) == _reference(raw, ["B", 3, "H", "W"], outputs)


def test_varints_round_trip_and_garbage_is_refused() -> None:
    for value in (0, 1, 127, 128, 300, 2**40, -1):
        field = encode_varint(8) + encode_varint(value)  # field 1, varint
        (parsed,) = fields(field)
        assert parsed.number == 1 and parsed.raw == field
    with pytest.raises(MalformedModel):
        fields(b"\x0a\x05ab")  # a length past the end
    with pytest.raises(MalformedModel):
        prepare_graph(b"\x0a\x01a", [1], [])  # no graph


@needs_model
def test_checking_the_detector_does_not_import_onnx() -> None:
    """Importing onnx holds the GIL for about half a second: on a worker thread it froze the window."""
    code = "import sys; from core.imaging import faces; assert faces.detector_status() is None; " \
        "print('onnx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
