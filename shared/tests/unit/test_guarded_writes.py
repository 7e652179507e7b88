"""Write filters keep their conditions on MongoDB and go by bare _id on FerretDB v1."""

from __future__ import annotations

from types import SimpleNamespace

from samla_shared.persistence.guarded_writes import WriteGuard


def database_answering(build_info: dict) -> SimpleNamespace:
    async def command(name: str) -> dict:
        assert name == "buildInfo"
        return build_info

    return SimpleNamespace(client=SimpleNamespace(admin=SimpleNamespace(command=command)))


async def test_mongodb_gets_the_condition_in_the_filter_where_it_is_atomic():
    guard = WriteGuard(database_answering({"version": "7.0.14"}))
    assert await guard.filter("m-1", {"version": 3}) == {"_id": "m-1", "version": 3}


async def test_ferretdb_gets_the_bare_id_it_can_look_up_without_scanning():
    guard = WriteGuard(database_answering({"version": "7.0.42", "ferretdbVersion": "v1.24.2"}))
    assert await guard.filter("m-1", {"version": 3}) == {"_id": "m-1"}
