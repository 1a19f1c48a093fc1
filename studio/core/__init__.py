"""The vocabulary, options, errors and progress every stage shares (no stage logic here)."""
