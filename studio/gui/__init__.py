"""PySide6 desktop app (a thin shell over studio.pipeline)."""
