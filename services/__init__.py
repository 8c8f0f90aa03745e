"""Use cases over the store: each function is one unit of work a handler or command calls."""
