"""Publishing the manifest: adapters per platform, the ledger, retries. Never imported by the build."""
