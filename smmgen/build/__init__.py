"""The build: the pipeline, its cache, and writing output/."""
