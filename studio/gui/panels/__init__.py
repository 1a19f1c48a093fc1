"""The window's panels, one per file: products, script, preview, style, queue."""
from .preview import PreviewPanel, PreviewRequest, PreviewResult
from .products import ProductsPanel
from .queue import QueuePanel
from .script import ScriptPanel
from .style import StylePanel

__all__ = ["PreviewPanel", "PreviewRequest", "PreviewResult", "ProductsPanel", "QueuePanel", "ScriptPanel",
           "StylePanel"]
