"""Local stand-ins for the outside world (chat provider APIs), started by tests on 127.0.0.1."""
