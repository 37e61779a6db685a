"""Webhook subscriptions through GraphQL: create (secret once), list, update, rotate, log, delete; typed
failures and scopes."""

from gateway.resolvers.webhooks import WebhooksMutation
from tests.gateway.helpers import PROBLEM, client_for, mutation_names, new_uuid, result

SUB = "id url eventTypes description active disabledReason failureStreak secret"
CREATE = f"""mutation($input: WebhookInput!) {{ createWebhook(input: $input) {{ {PROBLEM}
    ... on WebhookSubscription {{ {SUB} }} }} }}"""


async def test_webhook_subscriptions_through_graphql(gql):
    created = result(await gql(CREATE, input={"url": "https://93.184.216.34/hooks", "eventTypes": [
        "ACTION_CREATED", "ACTION_OVERDUE"], "description": "CRM tasks"}), "createWebhook", "WebhookSubscription")
    assert created["secret"].startswith("whsec_") and created["eventTypes"] == ["ACTION_CREATED", "ACTION_OVERDUE"]
    data = await gql(f"{{ webhooks {{ {SUB} }} }}")
    assert [w["id"] for w in data["webhooks"]] == [created["id"]] and data["webhooks"][0]["secret"] is None
    data = await gql(f"""mutation($id: ID!) {{ updateWebhook(id: $id, input: {{eventTypes: [GOAL_AGREED]}}) {{
        {PROBLEM} ... on WebhookSubscription {{ eventTypes }} }} }}""", id=created["id"])
    assert data["updateWebhook"] == {"__typename": "WebhookSubscription", "eventTypes": ["GOAL_AGREED"]}
    data = await gql(f"""mutation($id: ID!) {{ rotateWebhookSecret(id: $id) {{ {PROBLEM}
        ... on WebhookSubscription {{ secret }} }} }}""", id=created["id"])
    assert data["rotateWebhookSecret"]["secret"] not in (None, created["secret"])
    data = await gql("query($id: ID!) { webhookDeliveries(id: $id) { items { id } nextCursor } }", id=created["id"])
    assert data["webhookDeliveries"] == {"items": [], "nextCursor": None}
    # typed failures
    refused = result(await gql(CREATE, input={"url": "http://crm.example.com/h", "eventTypes": ["GOAL_AGREED"]}),
                     "createWebhook", "ValidationProblem")
    assert [(f["field"], f["code"]) for f in refused["fields"]] == [("url", "scheme")]
    refused = result(await gql(CREATE, input={"url": "https://10.0.0.8/h", "eventTypes": ["GOAL_AGREED"]}),
                     "createWebhook", "ValidationProblem")
    assert refused["fields"][0]["code"] == "private_address"
    data = await gql(f'mutation {{ deleteWebhook(id: "{new_uuid()}") {{ {PROBLEM} }} }}')
    assert data["deleteWebhook"]["__typename"] == "NotFound"
    data = await gql(f"""mutation($id: ID!) {{ deleteWebhook(id: $id) {{ {PROBLEM} ... on Deleted {{ id }} }} }}""",
                     id=created["id"])
    assert data["deleteWebhook"] == {"__typename": "Deleted", "id": created["id"]}
    assert (await gql("query($id: ID!) { webhook(id: $id) { id } }", id=created["id"]))["webhook"] is None


async def test_webhook_writes_need_the_scope(stack, tenant):
    assert mutation_names(WebhooksMutation) == {"createWebhook", "updateWebhook", "rotateWebhookSecret",
                                                "deleteWebhook"}
    reader = client_for(stack, await stack.key(tenant, "webhooks:read"))
    async with reader.client:
        data = await reader(CREATE, input={"url": "https://93.184.216.34/h", "eventTypes": ["GOAL_AGREED"]})
        assert data["createWebhook"] == {"__typename": "Forbidden",
                                         "message": "This credential lacks the 'webhooks:write' scope."}
        assert (await reader("{ webhooks { id } }"))["webhooks"] == []
