"""The card studio at ``/studio/`` in ``smmgen serve``: a visual editor for card layouts and heroes' focal points.

It draws with the build's own renderer, in the server's process (``render``), and writes the files a person
would write by hand: ``layouts/cards/<name>.toml`` (``toml_edit``, values changed in place, comments kept) and
one key of an article's front matter (``front_matter_edit``). ``api`` answers the page's requests; ``page`` is
the page itself (``smmgen/defaults/studio/``); ``schema`` describes the layout keys the page makes controls for.
"""
