"""The `cxbridge` command line: a thin layer over `cxbridge.api`."""
