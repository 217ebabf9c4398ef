"""The project folder: settings, the content-addressed cache and its lock, the provider-call ledger, output paths."""
