"""Ways into Clientbook: the HTTP API and the command line."""
