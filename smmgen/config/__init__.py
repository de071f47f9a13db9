"""smmgen.toml and the schemas, TOML readers and line finders that validate user-written data."""
