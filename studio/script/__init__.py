"""Script stage: product + template -> Script."""
from .generate import generate_script, parse_script_text, short_name
from .share import export_template, import_template
from .templates import Template, default_template_for, list_templates, load_template, user_templates_dir

__all__ = [
    "Template", "default_template_for", "export_template", "generate_script", "import_template", "list_templates",
    "load_template", "parse_script_text", "short_name", "user_templates_dir",
]
