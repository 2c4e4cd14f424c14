"""The Python side shared by tests/ and bench/: the lesson read from its notebook."""
