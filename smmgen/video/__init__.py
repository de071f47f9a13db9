"""Video: an article's clip probed, checked against each network's rules and transcoded for it (PyAV).

``probe`` reads what a file is, ``rules`` holds each network's figures with their sources, ``variants`` decides
what each network gets (an encode, the source as it is, or the card), ``transcode`` makes it and ``media``
runs the build's video stage with its cache.
"""
