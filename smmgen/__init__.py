"""smmgen: Markdown articles in, per-platform social posts, cards and a publish manifest out."""

__version__ = "0.1.0"
