"""Seeded noise for Piper voices: the same line with the same settings gives the same samples.

A Piper (VITS) model draws its noise inside the ONNX graph (``RandomNormalLike``), from a generator that
onnxruntime keeps per session and never resets: the same line spoken twice sounds slightly different, and two
builds give two different takes under one cache key. :func:`seeded_model` rewrites the graph so that every
``RandomNormalLike`` becomes a deterministic function of the element's position and a new input,
``reelwright_seed``; :class:`SeededSession` feeds that input (the line's seed, one step on per sentence).

The noise is a hash of (position, seed, node) through ``sin`` (two uniforms), turned normal by Box–Muller:
the same mean and spread as the model's own noise, only reproducible.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["seeded_model", "SeededSession", "SEED_INPUT", "NOISE_VERSION"]

SEED_INPUT = "reelwright_seed"
NOISE_VERSION = 1  # bump when the noise function changes (the voices change with it)


def seeded_model(model_path: str | Path) -> bytes:
    """The model at ``model_path`` with its random nodes replaced by seeded ones (serialised ONNX)."""
    import onnx  # noqa: PLC0415 - heavy, and only the Piper provider needs it
    from onnx import TensorProto, helper  # noqa: PLC0415

    model = onnx.load(str(model_path))
    graph = model.graph
    nodes = []
    k = 0
    for node in graph.node:
        if node.op_type != "RandomNormalLike":
            nodes.append(node)
            continue
        k += 1
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        mean, scale = float(attrs.get("mean", 0.0)), float(attrs.get("scale", 1.0))
        p = f"reelwright_noise{k}_"
        x, out = node.input[0], node.output[0]

        def const(name: str, value: float) -> str:
            graph.initializer.append(helper.make_tensor(p + name, TensorProto.FLOAT, [], [value]))
            return p + name

        nodes += [
            helper.make_node("Shape", [x], [p + "shape"]),
            helper.make_node("ConstantOfShape", [p + "shape"], [p + "ones"],
                             value=helper.make_tensor(p + "one", TensorProto.FLOAT, [1], [1.0])),
            helper.make_node("Reshape", [p + "ones", p + "flat_shape"], [p + "flat"]),
            helper.make_node("CumSum", [p + "flat", p + "axis"], [p + "index_flat"]),
            helper.make_node("Reshape", [p + "index_flat", p + "shape"], [p + "index"]),
        ]
        graph.initializer.append(helper.make_tensor(p + "flat_shape", TensorProto.INT64, [1], [-1]))
        graph.initializer.append(helper.make_tensor(p + "axis", TensorProto.INT64, [], [0]))

        def uniform(tag: str, a: float, b: float, c: float) -> str:
            # frac(sin(index * a + seed * b + k) * c), in [0, 1)
            nodes.extend([
                helper.make_node("Mul", [p + "index", const(tag + "a", a)], [p + tag + "ia"]),
                helper.make_node("Mul", [SEED_INPUT, const(tag + "b", b)], [p + tag + "sb"]),
                helper.make_node("Add", [p + tag + "ia", p + tag + "sb"], [p + tag + "sum"]),
                helper.make_node("Add", [p + tag + "sum", const(tag + "k", 0.731 * k)], [p + tag + "arg"]),
                helper.make_node("Sin", [p + tag + "arg"], [p + tag + "sin"]),
                helper.make_node("Mul", [p + tag + "sin", const(tag + "c", c)], [p + tag + "big"]),
                helper.make_node("Floor", [p + tag + "big"], [p + tag + "floor"]),
                helper.make_node("Sub", [p + tag + "big", p + tag + "floor"], [p + tag + "u"]),
            ])
            return p + tag + "u"

        u1 = uniform("u1", 12.9898, 78.233, 43758.5453)
        u2 = uniform("u2", 39.3468, 11.135, 24634.6345)
        nodes += [
            # Box–Muller: sqrt(-2 ln u1) cos(2π u2), u1 kept off zero
            helper.make_node("Max", [u1, const("eps", 1e-7)], [p + "u1_safe"]),
            helper.make_node("Log", [p + "u1_safe"], [p + "log"]),
            helper.make_node("Mul", [p + "log", const("m2", -2.0)], [p + "r2"]),
            helper.make_node("Sqrt", [p + "r2"], [p + "r"]),
            helper.make_node("Mul", [u2, const("tau", 2.0 * np.pi)], [p + "theta"]),
            helper.make_node("Cos", [p + "theta"], [p + "cos"]),
            helper.make_node("Mul", [p + "r", p + "cos"], [p + "normal"]),
            helper.make_node("Mul", [p + "normal", const("scale", scale)], [p + "scaled"]),
            helper.make_node("Add", [p + "scaled", const("mean", mean)], [out]),
        ]
    if not k:
        raise ValueError(f"{Path(model_path).name} has no RandomNormalLike node to seed")
    del graph.node[:]
    graph.node.extend(nodes)
    graph.input.append(helper.make_tensor_value_info(SEED_INPUT, TensorProto.FLOAT, [1]))
    return model.SerializeToString()


class SeededSession:
    """An onnxruntime session of a :func:`seeded_model` that feeds the seed: set :attr:`seed` before a line;
    each ``run`` (one sentence) uses the next seed, so sentences differ but a line's takes do not."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.lock = threading.Lock()  # held by the caller for a whole line: the seed sequence is the line's
        self.seed = 0

    def run(self, output_names, input_feed, *args, **kwargs):  # noqa: ANN001 - onnxruntime's signature
        feed = dict(input_feed)
        feed[SEED_INPUT] = np.array([float(self.seed % (1 << 16))], dtype=np.float32)
        self.seed += 1
        return self._session.run(output_names, feed, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)
