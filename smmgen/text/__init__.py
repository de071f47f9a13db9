"""Text for posts: measuring, URLs as platforms count them, excerpts, hashtags, rich text, threads."""
