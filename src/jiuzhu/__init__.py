"""Jiuzhu 救助: a county's social assistance system."""
