"""Billing writes, one concern per module; callers import from the module itself:

- billing: the billing-state transition map and its one writer, the alerts, the grace period;
- checkout: prepare, start, confirm, cancel, close, and fulfilment (what a paid checkout grants);
- subscriptions: installments counted from paid invoices, a subscription's status followed, and
  paid-up subscriptions ended;
- charges: refunds and disputes as Stripe's events report them;
- webhooks: the event ledger (store, process) and its one table of handlers by event type;
- staff: what billing staff do by hand (refund, waive an installment, an offline payment);
- reconciliation: the daily comparison with Stripe;
- plans: plans created, edited, put on or taken off sale and sent to Stripe, by their rules.

Processing is idempotent, race-safe (rows are locked) and tolerant of duplicates; clinical
records are never touched; no call to Stripe is made while a row lock is held.
"""
