"""Planning linked to threat analysis: posture, reach and alignment with risk."""
