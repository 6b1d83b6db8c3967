"""Links already stored in messages follow the billing pages to their new URL names."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from notifications.models import Notification

BEFORE = [("notifications", "0003_account_mail")]
AFTER = [("notifications", "0004_link_targets_renamed")]
# What was stored before, and what each must read after (in one pass: the old client billing
# page must not become the console's account page on its way).
STORED = {
    "billing:account": "my_billing:account",
    "billing:portal": "my_billing:portal",
    "payments:console": "billing:console",
    "payments:account": "billing:account",
    "courses:dashboard": "courses:dashboard",
    "home": "home",
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(autouse=True)
def back_to_the_latest():
    yield
    migrate_to_latest()


def store(apps, user):
    Old = apps.get_model("notifications", "Notification")
    for n, target in enumerate(STORED):
        Old.objects.create(
            user_id=user.pk, kind="billing_past_due", dedupe_key=f"k{n}", link_target=target
        )


def targets(apps):
    rows = apps.get_model("notifications", "Notification").objects.order_by("dedupe_key")
    return [row.link_target for row in rows]


@pytest.mark.django_db(transaction=True)
def test_stored_billing_links_take_the_new_names_and_go_back(client_a):
    old = migrate(BEFORE)
    try:
        store(old, client_a)
    finally:
        new = migrate(AFTER)
    assert targets(new) == list(STORED.values())
    assert targets(migrate(BEFORE)) == list(STORED)


@pytest.mark.django_db(transaction=True)
def test_a_past_due_message_stored_before_still_opens_the_clients_billing_page(
    client, client_a, signed_in
):
    old = migrate(BEFORE)
    try:
        store(old, client_a)
    finally:
        # The page is served by today's models: every later migration must be applied too.
        migrate_to_latest()
    message = Notification.objects.get(dedupe_key="k0")
    signed_in(client_a)
    response = client.get(reverse("notifications:link", args=[message.link_token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("my_billing:account") == "/me/billing/"
    assert client.get(response["Location"]).status_code == 200
