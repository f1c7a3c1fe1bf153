"""What the training scripts of the small networks share (train_page_kind.py,
train_signed.py): seed lists that refuse evaluation seeds, and an ONNX export
checked against torch in OpenCV's own importer, as the C++ program loads it."""
from __future__ import annotations

import pathlib
import sys

import cv2
import numpy as np
import torch

OPSET = 12  # OpenCV 4.6's ONNX importer rejects opset 13's Squeeze


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def seeds(text: str, tool: str) -> list[int]:
    """'110-113,116' -> [110, 111, 112, 113, 116]; seeds from 1000 up are refused."""
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    if any(s >= 1000 for s in out):
        raise SystemExit(f"{tool}: seeds from 1000 up are for evaluation only")
    return out


def export_checked(model: torch.nn.Module, example: torch.Tensor, onnx_path: pathlib.Path,
                   input_name: str) -> None:
    """Exports `model` (opset 12) and checks that cv2.dnn gives what torch does
    on random input shaped like `example`."""
    model.eval()
    torch.onnx.export(model, example, str(onnx_path), opset_version=OPSET, input_names=[input_name],
                      output_names=["logits"], do_constant_folding=True)
    net = cv2.dnn.readNetFromONNX(str(onnx_path))
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    x = torch.rand(example.shape)
    net.setInput(x.numpy())
    got = net.forward()
    with torch.no_grad():
        want = model(x).numpy()
    diff = float(np.abs(got - want).max())
    log(f"export: cv2.dnn vs torch max |diff| = {diff:.2e}")
    if got.shape != want.shape or diff > 1e-3:
        raise SystemExit("export: cv2.dnn disagrees with torch")
