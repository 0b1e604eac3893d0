"""The transfers' books and their conservation checks, without a database."""

from __future__ import annotations

import subprocess

import pytest

from swarmproof.asserts import assert_total_conserved
from swarmproof.transfers import ACCOUNTS, OPENING, SCRIPT, Held, TransferBooks, parse, problems

OPENED = {account: OPENING for account in range(1, ACCOUNTS + 1)}


def test_the_clients_lines_make_the_books() -> None:
    books = parse("1.5 1 10.0.1.5 ok 0 \n"
                  "1.6 100000001 10.0.1.6 ok 2 \n"
                  "1.7 2 10.0.1.5 aborted 5 ERROR 1213 (40001) at line 1: Deadlock found\n"
                  "1.8 3 10.0.1.7 err 0 ERROR 2002 (HY000): Can't connect\n"
                  "garbage\n")
    assert (books.attempted, books.committed, books.aborted, books.retried) == (4, {1, 100000001}, 1, 7)
    assert books.outcomes == [(1.5, True), (1.6, True), (1.7, False), (1.8, False)]
    assert books.errors == {"ERROR 2002 (HY000): Can't connect": 1, "unexpected output: garbage": 1}


def test_a_member_whose_balances_follow_its_transfers_has_no_problem() -> None:
    balances = dict(OPENED) | {1: OPENING - 30, 2: OPENING + 30}
    held = Held(balances, {7: (1, 2, 10), 8: (1, 2, 20)})
    assert problems(held, committed={7, 8}) == []


def test_money_made_from_nothing_half_applied_or_lost_is_named() -> None:
    half_applied = Held(dict(OPENED) | {1: OPENING - 10}, {7: (1, 2, 10)})
    found = problems(half_applied, committed={7, 9})
    assert found[0] == f"total {ACCOUNTS * OPENING - 10} over {ACCOUNTS} accounts, opened with {ACCOUNTS * OPENING} " \
                       f"over {ACCOUNTS}"
    assert found[1].endswith(f"2: {OPENING}, {OPENING + 10}")
    assert found[2] == "1 acknowledged transfers not recorded, e.g. [9]"


def test_the_members_books_are_parsed_from_tagged_lines() -> None:
    held = Held.parse("account\t1\t990\naccount\t2\t1010\ntransfer\t5\t1\t2\t10\n")
    assert held == Held({1: 990, 2: 1010}, {5: (1, 2, 10)})


def test_conservation_needs_something_committed_and_records_the_counts() -> None:
    recorded: dict[str, object] = {}
    books = TransferBooks(attempted=3, committed={1}, aborted=1, retried=4)
    assert_total_conserved(books, {"m1": Held(dict(OPENED), {1: (1, 2, 0)})}, recorded.__setitem__)
    assert recorded == {"transfers_attempted": 3, "transfers_committed": 1, "transfers_aborted": 1,
                        "transfers_retried": 4}
    with pytest.raises(AssertionError, match="no transfer was committed"):
        assert_total_conserved(TransferBooks(attempted=3), {"m1": Held(dict(OPENED), {})})


def test_the_clients_script_is_valid_bash_and_reads_both_balances_for_update() -> None:
    assert subprocess.run(["bash", "-n"], input=SCRIPT, text=True, check=False).returncode == 0
    assert SCRIPT.count("FOR UPDATE") == 2 and "ERROR 1213" in SCRIPT and "/tmp/swarmproof-client-stop" in SCRIPT
