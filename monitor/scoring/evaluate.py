"""Measure a sentiment model on a labelled CSV (`label,text`; 1 = non-negative, 0 = negative)."""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

from monitor.scoring.sentiment import SentimentModel


class LabelFileError(ValueError):
    """A labelled CSV that cannot be read; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class Metrics:
    n: int
    accuracy: float
    neg_precision: float
    neg_recall: float
    neg_f1: float
    texts_per_s: float


def read_labelled(path: Path) -> list[tuple[int, str]]:
    """Rows as (label, text). Errors name the file, the line and what was expected."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or not {"label", "text"} <= set(reader.fieldnames):
                raise LabelFileError(f"{path}：第 1 行应为表头 label,text")
            rows = []
            for i, row in enumerate(reader, 2):
                label = (row.get("label") or "").strip()
                if label not in ("0", "1"):
                    raise LabelFileError(
                        f"{path} 第 {i} 行：label 应为 1（正面/非负面）或 0（负面），"
                        f"实际为 {label!r}"
                    )
                rows.append((int(label), row.get("text") or ""))
    except OSError as e:
        raise LabelFileError(f"无法读取 {path}：{e.strerror}") from None
    except UnicodeDecodeError:
        raise LabelFileError(f"{path}：不是 UTF-8 编码的 CSV") from None
    if not rows:
        raise LabelFileError(f"{path}：没有数据行")
    return rows


def evaluate(model: SentimentModel, rows: list[tuple[int, str]], negative_at: float) -> Metrics:
    started = time.perf_counter()
    scores = [model.negative(text) for _, text in rows]
    elapsed = max(time.perf_counter() - started, 1e-9)
    tp = fp = fn = correct = 0
    for (label, _), p in zip(rows, scores, strict=True):
        predicted_negative = p >= negative_at
        is_negative = label == 0
        correct += predicted_negative == is_negative
        tp += predicted_negative and is_negative
        fp += predicted_negative and not is_negative
        fn += is_negative and not predicted_negative
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(len(rows), correct / len(rows), precision, recall, f1, len(rows) / elapsed)
