"""The window's dialogs: the template gallery, the settings, and the error dialog."""
from .errors import ErrorDialog, show_error
from .gallery import CATEGORIES, STYLES, TemplateGallery
from .settings import SettingsDialog

__all__ = ["CATEGORIES", "ErrorDialog", "STYLES", "SettingsDialog", "TemplateGallery", "show_error"]
