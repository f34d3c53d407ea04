"""Early warning and rapid response: the alert register, response figures, alerts and events."""
