"""One module per assignment, ``a<assignment>.py``, each with ``SETTINGS`` (the notebook's
full-mode configuration) and ``run(data, settings) -> dict`` that trains the reference
solution and returns what benchmarks/accuracy.py prints."""
