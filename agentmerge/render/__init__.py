"""Renderers: each turns a result value into text. ``source`` gives back an agent file's text."""
