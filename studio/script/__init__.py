"""Script stage: product + template -> Script."""
from .generate import generate_script, parse_script_text, short_name
from .templates import Template, default_template_for, list_templates, load_template

__all__ = [
    "Template", "default_template_for", "generate_script", "list_templates", "load_template",
    "parse_script_text", "short_name",
]
