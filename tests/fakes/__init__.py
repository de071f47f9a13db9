"""Contract-faithful fakes of the platform APIs the publisher talks to (real HTTP on 127.0.0.1)."""
