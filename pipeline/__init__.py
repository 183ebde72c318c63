"""Notion → Hugo: keep a Notion data source as the editing source of a Hugo blog."""
