"""Watching for a call to Stripe while the database connection holds a row lock.

A request to Stripe can take seconds (or its timeout); made inside a transaction that has locked
rows with select_for_update, it holds those locks as long, and every webhook, success page and
sweep that needs the same account waits behind it. So no Stripe call may happen inside such a
transaction: call before locking, or after commit (transaction.on_commit).

`watching_stripe_calls_and_row_locks()` records, for a test that uses real transactions
(`django_db(transaction=True)`, so a commit is a commit), every call to a function of
payments.stripe_client that talks to Stripe, and whether it happened inside a transaction that
had already run a select_for_update query. The lock is noted where the ORM compiles the query,
so it is seen on SQLite too (which has no FOR UPDATE and ignores it).
"""

import ast
import contextlib
import functools
import inspect
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models.sql.compiler import SQLCompiler

from payments import stripe_client


def stripe_calls() -> list[str]:
    """Every public function of payments.stripe_client that talks to Stripe (each passes its
    gate, `_stripe_errors`), read from its source, so a test's stand-in is watched too."""
    tree = ast.parse(inspect.getsource(stripe_client))
    return sorted(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and any(
            isinstance(call, ast.Call) and getattr(call.func, "id", "") == "_stripe_errors"
            for call in ast.walk(node)
        )
    )


@dataclass
class Watch:
    transaction: int = 0  # counts outermost transactions begun
    locked_in: set[int] = field(default_factory=set)  # transactions that locked rows
    locks: list[tuple[int, str]] = field(default_factory=list)  # (transaction, model)
    calls: list[tuple[str, bool]] = field(default_factory=list)  # (function, under a lock)

    def holding_locks(self) -> bool:
        return connection.in_atomic_block and self.transaction in self.locked_in

    @property
    def under_lock(self) -> list[str]:
        return [name for name, locked in self.calls if locked]

    @property
    def called(self) -> list[str]:
        return [name for name, _ in self.calls]


@contextlib.contextmanager
def watching_stripe_calls_and_row_locks():
    assert not connection.in_atomic_block, "needs real transactions: django_db(transaction=True)"
    watch = Watch()
    real_enter = transaction.Atomic.__enter__
    real_execute = SQLCompiler.execute_sql

    def enter(self):
        if not transaction.get_connection(self.using).in_atomic_block:
            watch.transaction += 1
        return real_enter(self)

    def execute_sql(self, *args, **kwargs):
        if self.query.select_for_update and self.connection.in_atomic_block:
            watch.locked_in.add(watch.transaction)
            watch.locks.append((watch.transaction, self.query.model._meta.label))
        return real_execute(self, *args, **kwargs)

    def guarded(name, real):
        @functools.wraps(real)
        def call(*args, **kwargs):
            watch.calls.append((name, watch.holding_locks()))
            return real(*args, **kwargs)

        return call

    names = stripe_calls()
    assert {"checkout_session_create", "refund_create", "subscription_cancel"} <= set(names)
    with contextlib.ExitStack() as patches:
        patches.enter_context(_patched(transaction.Atomic, "__enter__", enter))
        patches.enter_context(_patched(SQLCompiler, "execute_sql", execute_sql))
        for name in names:
            real = getattr(stripe_client, name)
            patches.enter_context(_patched(stripe_client, name, guarded(name, real)))
        yield watch


@contextlib.contextmanager
def _patched(owner, name, value):
    real = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, real)
