"""The JSON Schemas, shipped inside the `pipeline` package as `pipeline.schema` (package data)."""
