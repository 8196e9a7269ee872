"""Fixtures of the client tests; the servers themselves live in ``client_fakes``."""

from client_fakes import clean_env, grpc_fake, http_fake

__all__ = ["clean_env", "grpc_fake", "http_fake"]
