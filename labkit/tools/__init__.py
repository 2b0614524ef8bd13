"""Operator tools: the ``labkit`` command, doctor, pre-flight, workshop, notebook build, student editions."""
