"""The local Plaid answers as completely as plaid-python validates: every endpoint finsight uses,
parsed by the real client with its full response checking."""

from __future__ import annotations

from datetime import date

import plaid
import pytest
from plaid.api import plaid_api
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.institutions_get_by_id_request import InstitutionsGetByIdRequest
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.item_remove_request import ItemRemoveRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

from finsight.dev.plaid_emulator import CLIENT_ID, SECRET, PlaidEmulator, transaction


@pytest.fixture
def api():
    with PlaidEmulator() as emulator:
        configuration = plaid.Configuration(
            host=emulator.url, api_key={"clientId": CLIENT_ID, "secret": SECRET}
        )
        yield emulator, plaid_api.PlaidApi(plaid.ApiClient(configuration))


def test_every_answer_passes_plaid_pythons_validation(api):
    emulator, client = api
    link = client.link_token_create(
        LinkTokenCreateRequest(
            client_name="finsight",
            language="en",
            country_codes=[CountryCode("US")],
            user=LinkTokenCreateRequestUser(client_user_id="u1"),
            products=[Products("transactions")],
        )
    )
    assert link.link_token.startswith("link-sandbox-")
    public = client.sandbox_public_token_create(
        SandboxPublicTokenCreateRequest(
            institution_id="ins_109508", initial_products=[Products("transactions")]
        )
    )
    exchanged = client.item_public_token_exchange(
        ItemPublicTokenExchangeRequest(public_token=public.public_token)
    )
    token = exchanged.access_token
    item = client.item_get(ItemGetRequest(access_token=token)).item
    assert item.institution_id == "ins_109508" and item.error is None
    accounts = client.accounts_get(AccountsGetRequest(access_token=token)).accounts
    assert [str(a.type) for a in accounts] == ["depository", "credit"]
    institution = client.institutions_get_by_id(
        InstitutionsGetByIdRequest(institution_id="ins_109508", country_codes=[CountryCode("US")])
    ).institution
    assert institution.name == "First Platypus Bank"
    bank = emulator.banks.items[exchanged.item_id]
    pending = transaction(
        accounts[0].account_id, amount=9.5, day=date.today(), name="PENDING", pending=True
    )
    emulator.banks.add(bank, pending)
    emulator.banks.post(bank, pending)
    emulator.banks.modify(bank, {**pending, "amount": 10})
    page = client.transactions_sync(TransactionsSyncRequest(access_token=token, count=500))
    assert not page.has_more
    assert len(page.added) == len(bank.log) - 2
    assert len(page.modified) == 1 and len(page.removed) == 1
    posted = page.added[-1]
    assert posted.pending_transaction_id == pending["transaction_id"]
    assert posted.personal_finance_category.primary
    key = client.webhook_verification_key_get(
        WebhookVerificationKeyGetRequest(key_id=emulator.current_key.kid)
    ).key
    assert (key.alg, key.crv, key.expired_at) == ("ES256", "P-256", None)
    client.item_remove(ItemRemoveRequest(access_token=token))


def test_errors_are_plaids_error_objects(api):
    emulator, client = api
    with pytest.raises(plaid.ApiException) as refused:
        client.item_get(ItemGetRequest(access_token="access-nope"))
    assert refused.value.status == 400
    assert '"error_code": "INVALID_ACCESS_TOKEN"' in refused.value.body
    emulator.banks.fail_next("/transactions/sync", 429, "RATE_LIMIT_EXCEEDED", "TRANSACTIONS_LIMIT")
    with pytest.raises(plaid.ApiException) as limited:
        client.transactions_sync(TransactionsSyncRequest(access_token="x"))
    assert limited.value.status == 429
