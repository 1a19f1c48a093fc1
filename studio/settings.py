"""Settings a merchant sets once (producer name for the AI-content label, model folders, GPU use),
kept as JSON in the studio's data folder and shared by the CLI and the desktop app."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .util import StudioError, data_home


@dataclass
class Settings:
    producer_name: str = ""  # AIGC implicit label: ContentProducer
    producer_id: str = ""  # AIGC implicit label: the producer's registration code, if any
    output_dir: str = ""  # empty = ./out
    whisper_model: str = ""  # empty = the built-in base model
    diffusers_model: str = ""  # a local diffusers model folder (optional imagery)
    gpu: str = "auto"  # auto | on | off
    interface_language: str = ""  # empty = follow the system
    platform: str = "douyin"  # default platform preset for new projects
    voice_zh: str = ""  # default Mandarin voice id; empty = the built-in default
    voice_en: str = ""  # default English voice id
    cluster_address: str = ""  # a render farm's scheduler (tcp://HOST:8786) or "local"; empty = render on this PC

    @staticmethod
    def path() -> Path:
        """The settings file (STUDIO_SETTINGS overrides it, e.g. for a portable install or tests)."""
        override = os.environ.get("STUDIO_SETTINGS")
        return Path(override) if override else data_home() / "settings.json"

    @classmethod
    def load(cls) -> "Settings":
        path = cls.path()
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StudioError(f"{path}: settings file is damaged ({exc}); delete it to start from defaults") from exc
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def validate(self) -> None:
        """Raise StudioError naming the first setting that cannot work and what to do."""
        if self.gpu not in ("auto", "on", "off"):
            raise StudioError(f"GPU use must be auto, on or off, not '{self.gpu}'")
        for label, folder in (("Whisper model", self.whisper_model), ("diffusers model", self.diffusers_model)):
            if folder and not Path(folder).exists():
                raise StudioError(f"{folder}: no such folder (the {label} folder); pick another or leave it empty")
        if self.cluster_address.strip():
            from .farm import resolve_address

            resolve_address(self.cluster_address)  # a Ray address or a bad port is refused with why
        if self.diffusers_model and not (Path(self.diffusers_model) / "model_index.json").is_file():
            raise StudioError(f"{self.diffusers_model}: not a diffusers model folder (no model_index.json; choose a "
                              "folder saved with save_pretrained)")

    def save(self) -> None:
        """Check the settings (see validate), then write them atomically."""
        self.validate()
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)
