"""The build's worker processes: how they start."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, wait
from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG, generated_site

from smmgen.build.children import Children, WorkersLost
from smmgen.build.workers import IMAGE_BLOCK, Workers, pool
from smmgen.config.site import load_site
from smmgen.errors import ContentError


def _block_size() -> int:
    from PIL import Image

    return Image.core.get_block_size()


def _started_with(value: str) -> None:
    import os

    os.environ["SMMGEN_TEST_STARTED"] = value


def _started() -> str | None:
    import os

    return os.environ.get("SMMGEN_TEST_STARTED")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc, glibc")
def test_worker_processes_allocate_images_in_small_blocks_and_still_run_their_initializer() -> None:
    # Pillow's 16 MB blocks made each card and hero decode one allocation of its own size, and a drawing
    # process held some 30 MB of freed images beside the ones alive, where 1 MB blocks fit into each other's holes.
    with pool(1, initializer=_started_with, initargs=("yes",), code_from=(__name__,)) as executor:
        assert executor.submit(_block_size).result() == IMAGE_BLOCK == 1 << 20
        assert executor.submit(_started).result() == "yes"


linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


# The processes below this one when the test started: servers that fixtures of other test files in the same
# test process keep for the whole session (the Bluesky PDS), none of them a build's.
_before: set[int] = set()


@pytest.fixture(autouse=True)
def _processes_already_there() -> None:
    _before.clear()
    _before.update(_descendants(os.getpid()))


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` now (from /proc), but those there when the test started."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    children = [int(c) for c in f.read().split() if int(c) not in _before]
            except OSError:
                continue
            found.update(children)
            todo += children
    return found


def _build_watching_children(root: Path, workers: int, every: float) -> tuple:
    """A build of the site at ``root`` with images, and the children of this process seen every ``every`` s."""
    from smmgen.build.pipeline import build

    seen: list[set[int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            seen.append(_descendants(os.getpid()))

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = build(load_site(root), render_images=True, workers=workers)
    finally:
        done.set()
        sampler.join()
    return result, seen


def _pid_and_parent() -> tuple[int, int]:
    return os.getpid(), os.getppid()


def _fail(message: str) -> None:
    raise ContentError("content/a.md", 3, "title", message)


def _sleep_then(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


def _say(text: str) -> str:
    print(text)
    return text


def _refuse() -> None:
    raise ValueError("no start")


@linux
def test_a_build_with_two_workers_runs_two_processes_beside_it_and_no_other(make_site) -> None:
    """The workers are the build's own children and the only processes it starts: a forkserver and its resource
    tracker were two more interpreters (14 MB each) at every size of site."""

    make_site.config(MINIMAL_CONFIG + '[platforms.bluesky]\nhandle = "@desk.example"\n')
    for i in range(24):
        make_site.article(f"story-{i:02d}.md", f"---\ntitle: Story number {i}\ndate: 2026-11-{1 + i:02d}\n---\n"
                                               f"What happened on day {i}.\n")
    result, seen = _build_watching_children(make_site.root, 2, 0.02)
    assert not result.errors and result.cards
    assert max(len(s) for s in seen) == 2           # the two workers (4 with a forkserver and resource tracker)
    assert not _descendants(os.getpid())            # and both reaped


def test_results_and_errors_come_back_and_each_call_runs_in_a_child_of_this_process() -> None:
    with Children(2, code_from=(__name__,)) as children:
        assert {children.submit(_pid_and_parent).result()[1] for _ in range(4)} == {os.getpid()}
        assert list(children.map(_sleep_then, [0.0] * 5, range(5))) == [0, 1, 2, 3, 4]
        with pytest.raises(ContentError) as failed:
            children.submit(_fail, "too long").result()
        assert str(failed.value) == "content/a.md:3: title: too long"
        assert "_fail" in str(failed.value.__cause__)           # the worker's traceback


def test_prints_of_a_worker_go_to_its_stdout_not_into_the_answers(capfd) -> None:
    with Children(1, code_from=(__name__,)) as children:
        assert children.submit(_say, "hello from a worker").result() == "hello from a worker"
    assert "hello from a worker" in capfd.readouterr().out


@linux
def test_a_worker_that_dies_fails_the_pending_calls_and_shutdown_reaps_every_child() -> None:
    children = Children(2, code_from=(__name__,))
    calls = [children.submit(_sleep_then, 2, n) for n in range(10)]
    deadline = time.monotonic() + 10
    while not any(f.running() for f in calls) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(next(iter(_descendants(os.getpid()))), signal.SIGKILL)
    start = time.monotonic()
    wait(calls, timeout=20, return_when=FIRST_EXCEPTION)
    assert time.monotonic() - start < 1.5                  # not a hang, nor a wait for the calls still running
    wait(calls, timeout=20)
    lost = [f.exception() for f in calls if f.exception() is not None]
    assert all(isinstance(e, WorkersLost) for e in lost)
    assert lost[0].reason == "a worker process ended (killed by signal 9) while running _sleep_then"
    assert re.fullmatch(r"a worker process ended \(killed by signal 9\) while running _sleep_then; the build stopped "
                        r"and left output/ as it was: run it again \(signal 9 is how the system ends a process when "
                        r"memory runs out: `--workers 1` needs less\)", str(lost[0]))
    # The calls the other child had been given are answered (two at most); all the others fail.
    assert len(lost) >= len(calls) - 2 and all(f.result() == n for n, f in enumerate(calls) if not f.exception())
    with pytest.raises(WorkersLost):
        children.submit(_pid_and_parent)
    children.shutdown(wait=True)
    assert not _descendants(os.getpid())
    assert not [t for t in threading.enumerate() if t.name.startswith("smmgen-worker")]


def test_a_failing_initializer_fails_the_calls_instead_of_hanging() -> None:
    with Children(1, initializer=_refuse, code_from=(__name__,)) as children:
        future = children.submit(_pid_and_parent)
        with pytest.raises(WorkersLost, match="initializer failed"):
            future.result(timeout=20)


@linux
def test_shutdown_closes_the_pipes_and_reaps_the_children_and_their_threads() -> None:
    before = set(os.listdir("/proc/self/fd"))
    with Workers(2, initializer=_started_with, initargs=("yes",), code_from=(__name__,)) as workers:
        executor = workers.executor()
        assert [executor.submit(_started).result() for _ in range(4)] == ["yes"] * 4
        assert len(_descendants(os.getpid())) == 2
    assert not _descendants(os.getpid())
    assert not [t for t in threading.enumerate() if t.name.startswith("smmgen-worker")]
    assert set(os.listdir("/proc/self/fd")) <= before


def _imported(*names: str) -> dict[str, bool]:
    return {name: name in sys.modules for name in names}


def test_drawing_has_processes_of_its_own_that_import_only_what_drawing_needs(make_site) -> None:
    """The processes that parsed and cut end when parsing is over (``Workers.parsed``): what they imported
    (Jinja, Markdown) and left in their heaps is not carried into drawing, where a worker's memory peaks."""
    from smmgen.build.prepared import _parse_and_cut, _start_worker

    make_site.config(MINIMAL_CONFIG)
    path = make_site.article("story.md", "---\ntitle: A story\ndate: 2026-11-01\n---\nWhat happened.\n")
    with Workers(2, initializer=_start_worker, initargs=(load_site(make_site.root),),
                 code_from=(__name__,)) as workers:
        parsing = workers.executor()
        assert parsing.submit(_parse_and_cut, [path]).result()[0][0].title == "A story"
        parsers = {parsing.submit(_pid_and_parent).result()[0] for _ in range(6)}
        assert parsing.submit(_imported, "jinja2", "smmgen.build.prepared", "PIL.Image").result() \
            == {"jinja2": True, "smmgen.build.prepared": True, "PIL.Image": False}
        workers.parsed()
        assert len(_descendants(os.getpid())) == 2 and not parsers & _descendants(os.getpid())
        drawing = workers.executor()
        assert {drawing.submit(_pid_and_parent).result()[0] for _ in range(6)} <= _descendants(os.getpid())
        assert drawing.submit(_imported, "jinja2", "markdown", "smmgen.build.prepared", "smmgen.cards.batch").result() \
            == {"jinja2": False, "markdown": False, "smmgen.build.prepared": False, "smmgen.cards.batch": True}
        assert drawing.submit(_block_size).result() == IMAGE_BLOCK
    assert not _descendants(os.getpid())


def test_a_workers_answer_that_names_anything_but_smmgens_code_values_and_exceptions_is_refused() -> None:
    """An answer names only smmgen's own functions and classes, plain values and exceptions: a pickle that
    reaches os.system, even through a smmgen module that imports os, is refused before anything runs."""
    import datetime as dt
    import pickle
    from pathlib import Path

    from smmgen.build.child import read_value
    from smmgen.errors import ContentError

    fine = (True, (dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc), Path("a/b"), {1, 2}, ContentError(
        path="x.md", line=1, field="title", message="missing")))
    back = read_value(pickle.dumps(fine, pickle.HIGHEST_PROTOCOL))
    assert back[1][:3] == fine[1][:3] and str(back[1][3]) == str(fine[1][3])

    class Runs:
        def __reduce__(self):
            return os.system, ("true",)

    for name in (b"posix\nsystem", b"smmgen.build.child\nos.system"):
        crafted = b"c" + name + b"\n(S'true'\ntR."
        with pytest.raises(pickle.UnpicklingError):
            read_value(crafted)
    with pytest.raises(pickle.UnpicklingError):
        read_value(pickle.dumps(Runs()))


def _output_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / "output").rglob("*"))
            if p.is_file()}


def _running(pid: int) -> bool:
    """Whether ``pid`` runs a worker already: between its fork and its start a child shows its parent's command."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"smmgen.build.child" in f.read()
    except OSError:
        return False


@linux
@pytest.mark.parametrize("when", ["drawing", "starting"])
def test_a_worker_killed_during_a_build_ends_it_with_one_line_and_output_as_it_was(tmp_path: Path, when: str) -> None:
    """The system's out-of-memory killer ends a worker mid-build (a drawing process, or a process between its fork
    and its start): the user reads what happened and what to do, never a traceback nor a silent exit, and output/
    keeps the last build's files byte for byte."""
    site = generated_site(tmp_path / "site", 16)
    command = [sys.executable, "-m", "smmgen", "build", "--site", str(site), "--workers", "2"]
    subprocess.run(command, check=True, capture_output=True)
    before = _output_bytes(site)
    shutil.rmtree(site / ".smmgen")                 # every card is drawn again
    build = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first: set[int] | None = None
    deadline = time.monotonic() + 60
    while build.poll() is None and time.monotonic() < deadline:
        now = {pid for pid in _descendants(build.pid) - {build.pid} if when == "starting" or _running(pid)}
        if now and first is None:
            first = now                             # the first parsing process (or both)
        elif first is not None and now - first:     # "drawing": the processes started when parsing ends
            for pid in now - first:
                os.kill(pid, signal.SIGKILL)
            break
        if when == "drawing":
            time.sleep(0.001)       # ("starting" looks as often as it can: a fork is short)
    else:
        pytest.fail("the build ended before a worker could be killed")
    out, err = build.communicate(timeout=60)
    assert build.returncode == 1, out + err
    assert "Traceback" not in err and "Traceback" not in out
    assert re.search(r"a worker process ended \(killed by signal 9\).*; the build stopped and left output/ as it "
                     r"was: run it again \(signal 9 .*`--workers 1` needs less\)", err), out + err
    assert _output_bytes(site) == before


def _pid_and_start() -> tuple[int, str | None]:
    return os.getpid(), _started()


def test_a_child_sent_its_calls_per_child_answers_them_and_ends_and_a_new_one_takes_the_next_calls() -> None:
    # A drawing process's heap grew with the groups of cards it drew (3 to 4 MB more at 10,000 articles than at
    # 1,000): after ``calls_per_child`` calls a new process, its initializer run first, takes the next ones.
    with Children(2, initializer=_started_with, initargs=("again",), calls_per_child=3,
                  code_from=(__name__,)) as children:
        assert list(children.map(_sleep_then, [0.01] * 10, range(10))) == list(range(10))
        answers = [children.submit(_pid_and_start).result() for _ in range(20)]
        assert {started for _, started in answers} == {"again"}
        pids = [pid for pid, _ in answers]
        assert len(set(pids)) >= 7 and max(pids.count(pid) for pid in pids) <= 3
        assert len(_descendants(os.getpid())) <= 2        # each ended before the next one started
        assert {children.submit(_pid_and_parent).result()[1] for _ in range(4)} == {os.getpid()}
    assert not _descendants(os.getpid())


def test_a_build_whose_drawing_processes_are_replaced_draws_the_same_cards_with_never_more_than_two(
        make_site, monkeypatch) -> None:
    import shutil

    from smmgen.build import workers as workers_module
    from smmgen.build.pipeline import build

    make_site.config(MINIMAL_CONFIG + '[platforms.bluesky]\nhandle = "@desk.example"\n')
    for i in range(24):
        make_site.article(f"story-{i:02d}.md", f"---\ntitle: Story number {i} 🎉\ndate: 2026-11-{1 + i:02d}\n"
                                               f"---\nWhat happened on day {i}.\n")
    monkeypatch.setattr(workers_module, "GROUPS_PER_DRAWING_PROCESS", 3)
    result, seen = _build_watching_children(make_site.root, 2, 0.01)
    assert not result.errors and len(result.cards) >= 24
    assert max(len(s) for s in seen) == 2 and len(set().union(*seen)) >= 2 + 8     # drawing ones replaced
    shutil.rmtree(make_site.root / "output", ignore_errors=True)
    shutil.rmtree(make_site.root / ".smmgen", ignore_errors=True)
    alone = build(load_site(make_site.root), render_images=True, workers=1)
    assert not alone.errors and alone.cards == result.cards     # the same files (named by their content)


@linux
def test_the_drawing_processes_end_with_the_last_card_before_the_last_articles_files_are_written(
        tmp_path: Path, monkeypatch) -> None:
    """Idle once their last card is in, the two drawing processes lived on until the build had written the files
    of the articles whose cards came last (a third of a 10,000-article build's memory at that moment): they end,
    reaped, before the last article's files are written, and so before the manifest and the preview."""
    from smmgen.build import early
    from smmgen.build.cache import BuildCache, fingerprint
    from smmgen.build.pipeline import build
    from smmgen.output_files import survey

    site = load_site(generated_site(tmp_path / "site", 16, hero_share=0.6))
    seen: list[set[int]] = []
    write = early.EarlyWrite._write

    def watched(self, *args, **kwargs):
        seen.append(_descendants(os.getpid()))
        return write(self, *args, **kwargs)

    monkeypatch.setattr(early.EarlyWrite, "_write", watched)
    cache = BuildCache.load(site, fingerprint(site))
    cache.present = survey(site.root, site.output_dir, ("cuts", "cards", "og", "preview", "media"))
    result = build(site, workers=2, cache=cache, write_early=True)
    assert not result.errors and result.drawn
    assert len(seen) >= 8 and any(seen)         # articles written while the others' cards were drawn
    assert not seen[-1]                         # the last one: no drawing process left
    assert not _descendants(os.getpid())
