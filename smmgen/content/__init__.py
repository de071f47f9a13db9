"""Reading and validating articles: discovery, front matter, Markdown, URLs."""
