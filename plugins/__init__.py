"""First-party connectors. They register through the same hooks as third-party plugins."""
