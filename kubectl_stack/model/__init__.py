"""Pure functions from stored objects to what people read. No I/O, no Textual."""
