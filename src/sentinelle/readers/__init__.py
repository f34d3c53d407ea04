"""Readers of outside formats. Each turns the bytes of a user's file into domain records, and
reports precisely what it could not read: the file, the row, the column, the value and what was
expected. A reader never writes anywhere."""
