"""The provenance migrations keep what the live site held: a database in the old shape is
migrated in its own process, on a scratch SQLite file, and what became of each row checked."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_old_data_survives_the_provenance_migrations(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}"}
    env.pop("REDIS_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "tests.newsroom_tests.old_shape"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    after = json.loads(run.stdout.strip().splitlines()[-1])

    # The statistic's qualifier is now each value's; a free-text period is kept in the note
    # (no one can turn "on a year earlier" into dates without guessing); sources unchanged.
    assert after["values"] == [
        ["13000", "around", "2025-08-11", "Home Office weekly figures · Period: on a year earlier",
         "Home Office"],
        ["12000", "around", "2025-07-01", "", "Home Office"],
    ]  # fmt: skip
    # The person's one role is kept, undated; an old quote does not take it as its own.
    assert after["roles"] == [["Prime Minister", "Labour", None, None]]
    assert after["quote_role"] is None
    # A checked date with nobody named is kept, and is not shown as a check.
    assert after["quote_checked_on"] == "2025-03-04" and after["quote_checked"] is False
    # The verdict is the first entry of its history, and stays ours.
    assert after["ratings"] == [["true", "They are.", ""]] and after["our_verdict"] is True
    # Each byline became one author: a publisher we cite is an organisation.
    assert after["authors"] == {
        "anonymous": [],
        "by-ann": [["Ann Reporter", "person"]],
        "by-sky": [["Sky News", "organisation"]],
        "by-sky-too": [["Sky News", "organisation"]],
    }
