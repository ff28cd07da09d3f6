"""Request and response models of the HTTP API; the core never sees them."""
