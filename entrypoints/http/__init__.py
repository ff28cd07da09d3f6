"""The REST API: a thin FastAPI layer that turns HTTP into use-case calls and back."""
