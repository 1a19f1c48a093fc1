"""A CTranslate2 Whisper model folder -> an openai-whisper `.pt` checkpoint, offline.

No PyPI package ships openai-whisper checkpoints, but the CTranslate2 weights are the same tensors
under other names: the self-attention's query/key/value are fused into one matrix (the key has no
bias: its part of the fused bias is zero) and the decoder's cross-attention key/value into another;
the output projection is tied to the token embedding. The alignment heads (which cross-attention
heads time the words) come from the folder's config.json and are stored in the checkpoint under
"alignment_heads" (`whisper.py` applies them after loading).

    .venv/bin/python -m studio.subtitles.convert [CT2_FOLDER] [OUT.pt]

Without arguments it converts the built-in base model into the data folder
(`~/.local/share/aigc-studio/models/whisper-base.pt`), once: `ensure_openai_checkpoint()`.
"""
from __future__ import annotations

import json
import os
import re
import struct
import sys
from pathlib import Path

import numpy as np

from ..util import StudioError, data_home

# CTranslate2 DataType enum -> numpy
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The variables of a CTranslate2 model.bin (format version 3 to 6) and its aliases."""
    data = Path(path).read_bytes()
    pos = 0

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    def string() -> str:
        nonlocal pos
        (n,) = take("H")
        text = data[pos:pos + n].decode("utf-8").rstrip("\0")
        pos += n
        return text

    (version,) = take("I")
    if not 3 <= version <= 6:
        raise StudioError(f"{path}: CTranslate2 model format version {version} is not supported (3 to 6 are)")
    spec = string() if version >= 2 else ""
    if version >= 2:
        take("I")  # spec revision
    if spec and spec != "WhisperSpec":
        raise StudioError(f"{path}: this is a {spec} model, not Whisper")
    (count,) = take("I")
    variables: dict[str, np.ndarray] = {}
    for _ in range(count):
        name = string()
        (rank,) = take("B")
        dims = take("I" * rank)
        (dtype,) = take("B")
        (nbytes,) = take("I")
        if dtype not in _DTYPES:
            raise StudioError(f"{path}: variable {name} has an unsupported type ({dtype})")
        array = np.frombuffer(data, _DTYPES[dtype], nbytes // np.dtype(_DTYPES[dtype]).itemsize, pos)
        variables[name] = array.reshape(dims) if rank else array
        pos += nbytes
    aliases: dict[str, str] = {}
    if version >= 5 and pos < len(data):
        (n_alias,) = take("I")
        for _ in range(n_alias):
            alias = string()
            aliases[alias] = string()
    return variables, aliases


def _linear(sd: dict, prefix: str, v: dict, name: str, bias: bool = True) -> None:
    sd[f"{prefix}.weight"] = v[f"{name}/weight"]
    if bias:
        sd[f"{prefix}.bias"] = v[f"{name}/bias"]


def _norm(sd: dict, prefix: str, v: dict, name: str) -> None:
    sd[f"{prefix}.weight"] = v[f"{name}/gamma"]
    sd[f"{prefix}.bias"] = v[f"{name}/beta"]


def _self_attention_and_mlp(sd: dict, v: dict, src: str, dst: str, n_state: int) -> None:
    """What every encoder and decoder block has: self-attention (fused q/k/v) and the MLP, with their norms."""
    _split_fused(sd, [f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value"], v,
                 f"{src}/self_attention/linear_0", n_state)
    _linear(sd, f"{dst}.attn.out", v, f"{src}/self_attention/linear_1")
    _norm(sd, f"{dst}.attn_ln", v, f"{src}/self_attention/layer_norm")
    _linear(sd, f"{dst}.mlp.0", v, f"{src}/ffn/linear_0")
    _linear(sd, f"{dst}.mlp.2", v, f"{src}/ffn/linear_1")
    _norm(sd, f"{dst}.mlp_ln", v, f"{src}/ffn/layer_norm")


def _split_fused(sd: dict, prefixes: list[str], v: dict, name: str, n_state: int) -> None:
    """A fused q/k/v (or k/v) projection in its parts; the key never has a bias in Whisper."""
    w, b = v[f"{name}/weight"], v[f"{name}/bias"]
    for k, prefix in enumerate(prefixes):
        sd[f"{prefix}.weight"] = w[k * n_state:(k + 1) * n_state]
        if not prefix.endswith(".key"):
            sd[f"{prefix}.bias"] = b[k * n_state:(k + 1) * n_state]
        elif np.any(b[k * n_state:(k + 1) * n_state] != 0):
            raise StudioError(f"unexpected non-zero key bias in {name}: not a Whisper model converted as expected")


def state_dict_from_ct2(folder: Path) -> tuple[dict[str, np.ndarray], dict, list[list[int]]]:
    """(openai-whisper state dict as numpy arrays, ModelDimensions fields, alignment heads)."""
    folder = Path(folder)
    v, aliases = read_ct2(folder / "model.bin")
    for alias, target in aliases.items():
        v.setdefault(alias, v[target])
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    n_enc = 1 + max(int(m.group(1)) for k in v if (m := re.match(r"encoder/layer_(\d+)/", k)))
    n_dec = 1 + max(int(m.group(1)) for k in v if (m := re.match(r"decoder/layer_(\d+)/", k)))
    n_state = v["encoder/conv2/bias"].shape[0]
    n_heads = int(np.asarray(v.get("encoder/num_heads", n_state // 64)).reshape(-1)[0])
    vocab, text_state = v["decoder/embeddings/weight"].shape
    dims = dict(n_mels=int(v["encoder/conv1/weight"].shape[1]), n_vocab=int(vocab),
                n_audio_ctx=int(v["encoder/position_encodings/encodings"].shape[0]), n_audio_state=int(n_state),
                n_audio_head=n_heads, n_audio_layer=n_enc,
                n_text_ctx=int(v["decoder/position_encodings/encodings"].shape[0]), n_text_state=int(text_state),
                n_text_head=int(np.asarray(v.get("decoder/num_heads", text_state // 64)).reshape(-1)[0]),
                n_text_layer=n_dec)
    sd: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        _linear(sd, f"encoder.{conv}", v, f"encoder/{conv}")
    sd["encoder.positional_embedding"] = v["encoder/position_encodings/encodings"]
    for i in range(n_enc):
        _self_attention_and_mlp(sd, v, f"encoder/layer_{i}", f"encoder.blocks.{i}", n_state)
    _norm(sd, "encoder.ln_post", v, "encoder/layer_norm")
    sd["decoder.token_embedding.weight"] = v["decoder/embeddings/weight"]
    sd["decoder.positional_embedding"] = v["decoder/position_encodings/encodings"]
    for i in range(n_dec):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        _self_attention_and_mlp(sd, v, src, dst, text_state)
        _linear(sd, f"{dst}.cross_attn.query", v, f"{src}/attention/linear_0")
        _split_fused(sd, [f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"], v, f"{src}/attention/linear_1",
                     text_state)
        _linear(sd, f"{dst}.cross_attn.out", v, f"{src}/attention/linear_2")
        _norm(sd, f"{dst}.cross_attn_ln", v, f"{src}/attention/layer_norm")
    _norm(sd, "decoder.ln", v, "decoder/layer_norm")
    heads = [list(map(int, h)) for h in config.get("alignment_heads", [])]
    return sd, dims, heads


def convert(folder: Path, out: Path) -> Path:
    """Write the openai-whisper checkpoint for the CTranslate2 Whisper `folder` to `out` (atomically);
    checks that openai-whisper builds the model from it with no missing or unexpected weight."""
    import torch
    import whisper.model as wm

    folder, out = Path(folder), Path(out)
    if not (folder / "model.bin").exists() or not (folder / "config.json").exists():
        raise StudioError(f"'{folder}' is not a CTranslate2 Whisper model folder (model.bin and config.json needed)")
    sd_np, dims, heads = state_dict_from_ct2(folder)
    state = {k: torch.from_numpy(np.ascontiguousarray(a).astype(np.float16)) for k, a in sd_np.items()}
    model = wm.Whisper(wm.ModelDimensions(**dims))
    expected = {k for k in model.state_dict()}
    missing, unexpected = expected - set(state), set(state) - expected
    if missing or unexpected:
        raise StudioError(f"conversion of {folder} is incomplete: missing {sorted(missing)[:5]}, "
                          f"unexpected {sorted(unexpected)[:5]}")
    for k, t in model.state_dict().items():
        if tuple(t.shape) != tuple(state[k].shape):
            raise StudioError(f"conversion of {folder}: {k} has shape {tuple(state[k].shape)}, expected {tuple(t.shape)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        torch.save({"dims": dims, "model_state_dict": state, "alignment_heads": heads,
                    "source": f"converted from CTranslate2 {folder.name}"}, tmp)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def ensure_openai_checkpoint(folder: Path | None = None) -> Path:
    """The openai-whisper checkpoint of the built-in base model (or of `folder`), converted once
    into the data folder and reused."""
    from ..models_setup import ensure_whisper_base

    folder = Path(folder) if folder else ensure_whisper_base()
    out = data_home() / "models" / f"{folder.name.removesuffix('-ct2')}.pt"
    if not out.exists() or out.stat().st_mtime < (folder / "model.bin").stat().st_mtime:
        convert(folder, out)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv:
            folder = Path(argv[0])
            out = Path(argv[1]) if len(argv) > 1 else folder.with_suffix(".pt")
            print(convert(folder, out))
        else:
            print(ensure_openai_checkpoint())
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
