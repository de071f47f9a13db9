"""`smmgen init` and `smmgen new`: configuration from a Hugo or Jekyll site, new articles."""
