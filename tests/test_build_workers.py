"""The build's worker processes: how they start."""

from __future__ import annotations

import sys

import pytest

from smmgen.build.workers import IMAGE_BLOCK, Workers


def _block_size() -> int:
    from PIL import Image

    return Image.core.get_block_size()


def _started_with(value: str) -> None:
    import os

    os.environ["SMMGEN_TEST_STARTED"] = value


def _started() -> str | None:
    import os

    return os.environ.get("SMMGEN_TEST_STARTED")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forkserver workers")
def test_worker_processes_allocate_images_in_small_blocks_and_still_run_their_initializer() -> None:
    # Pillow's 16 MB blocks made each card and hero decode one allocation of its own size, and a drawing
    # process held some 30 MB of freed images beside the ones alive, where 1 MB blocks fit into each other's holes.
    with Workers(1, initializer=_started_with, initargs=("yes",)) as workers:
        executor = workers.executor()
        assert executor.submit(_block_size).result() == IMAGE_BLOCK == 1 << 20
        assert executor.submit(_started).result() == "yes"
