"""Population surveys: harmonised indicators and design-based estimates."""
