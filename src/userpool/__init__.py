"""userpool: a self-hostable, Amazon Cognito-compatible user-pool server."""

__version__ = "0.1.0"
