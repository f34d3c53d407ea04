"""Domain records and vocabularies. Nothing in this package does I/O beyond reading its own
packaged vocabulary tables; nothing here knows about SQL, HTTP or user files."""
