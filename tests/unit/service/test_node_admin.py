"""The operator's node administration (`cruce share`): the same duty rules as the API, on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from cruce.core.errors import InputError
from cruce.service.node_admin import NodeAdmin, check_account
from cruce.storage.store import open_store


@pytest.mark.parametrize(
    ("roles", "system", "token", "code"),
    [
        (["admin", "auditor"], False, False, "conflicting_roles"),
        (["auditor", "releasing_officer"], False, False, "conflicting_roles"),
        (["admin"], True, False, "conflicting_roles"),
        (["analyst"], False, True, "token_for_person"),
        (["wizard"], False, False, "bad_role"),
    ],
)
def test_conflicting_duties_and_person_tokens_are_refused(
    roles: list[str], system: bool, token: bool, code: str
) -> None:
    with pytest.raises(InputError) as refused:
        check_account(roles, system=system, token=token)
    assert refused.value.code == code


def test_accounts_and_collections_round_trip(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'node.db'}")
    try:
        node = NodeAdmin(store)
        added = node.add_account(
            "mex.sync",
            organisation="SAT",
            country="MEX",
            clearance="S",
            roles=["analyst"],
            system=True,
            token=True,
        )
        assert added.token and added.account.kind == "system"
        assert node.sharing.check_token(added.token) is not None
        person = node.add_account(
            "mex.ana", organisation="SAT", country="MEX", clearance="C", roles=["analyst"]
        )
        assert person.token is None
        node.add_collection(
            "intel", "Intel", "", readers=["org:SAT", "user:mex.ana"], writers=["user:mex.ana"]
        )
        (summary,) = node.collections()
        assert summary.collection_id == "intel" and summary.objects == 0
        assert sorted(summary.permissions) == [("org:SAT", True, False), ("user:mex.ana", True, True)]
        assert {a.user_id for a in node.accounts()} == {"mex.sync", "mex.ana"}
        assert node.sync_status() == []
    finally:
        store.close()
