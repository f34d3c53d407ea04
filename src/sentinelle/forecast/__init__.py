"""Forecasting violence against civilians: scoring rules and forecast evaluation."""
