"""A tiny diffusers text-to-image pipeline built in code (random weights, no download), saved the
way a merchant's model folder is: what the tests and scripts/device_check.py load through
`studio.imagery`, so the real loading and painting code runs without a real model.

Its pictures are noise; its cost per denoising step is tiny, so timings measure the pipeline's
overhead and the device, not a real model's speed.
"""
from __future__ import annotations

import json
from pathlib import Path


def build_tiny_pipeline(folder: Path) -> Path:
    """A 2 M-parameter StableDiffusionPipeline (random weights, seed 0) saved with save_pretrained
    into `folder`/model, and that folder (built once: a folder that holds it already is reused)."""
    if (folder / "model" / "model_index.json").is_file():
        return folder / "model"
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(block_out_channels=(32, 64), layers_per_block=1, sample_size=16, in_channels=4,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
                                attention_head_dim=4, norm_num_groups=8)
    # four blocks, as in Stable Diffusion: latents 1/8 of the picture's size, so a 512x912 picture
    # costs the UNet what it costs a real model's layout (two blocks made it 1/2: 256x456 latents)
    vae = AutoencoderKL(block_out_channels=(32, 32, 64, 64), in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        norm_num_groups=8, sample_size=64)
    text = CLIPTextModel(CLIPTextConfig(bos_token_id=0, eos_token_id=1, hidden_size=32, intermediate_size=37,
                                        layer_norm_eps=1e-5, num_attention_heads=4, num_hidden_layers=2,
                                        pad_token_id=1, vocab_size=100))
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789,.-'":
        vocab[ch] = len(vocab)
        vocab[ch + "</w>"] = len(vocab)
    words = folder / "tokenizer_source"
    words.mkdir(parents=True, exist_ok=True)
    (words / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (words / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = CLIPTokenizer(str(words / "vocab.json"), str(words / "merges.txt"), pad_token="<|endoftext|>",
                              model_max_length=77)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1)
    pipe = StableDiffusionPipeline(unet=unet, vae=vae, text_encoder=text, tokenizer=tokenizer, scheduler=scheduler,
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(folder / "model")
    return folder / "model"
