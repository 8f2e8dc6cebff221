"""api.statements: a query compiled once gives, for every request's values, what
the ORM gives for them; the hot paths that use one give the ORM's answers."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.authentication import key_with_prefix
from api.models import ApiKey, Scope
from api.services import create_api_key
from common.statements import Statement
from tests import factories


def _key(name: str, **fields) -> ApiKey:
    key = ApiKey(name=name, **fields)
    create_api_key(key=key, by=None)
    return key


def _by_scope_and_prefix(shape, scope, prefix):
    return (
        ApiKey.objects.filter(scope=scope, prefix=prefix)
        .order_by()
        .values_list("name", "expires_at", "created_at")
    )


BY_SCOPE_AND_PREFIX = Statement(
    _by_scope_and_prefix, marks=lambda shape: ("scope-mark", "prefix-mark")
)


@pytest.mark.django_db
def test_each_requests_values_give_the_orms_rows_converted_as_the_orm_does():
    ends = dt.datetime(2031, 5, 6, 7, 8, 9, 10, tzinfo=dt.UTC)
    one = _key("one", scope=Scope.READ, expires_at=ends)
    two = _key("two", scope=Scope.WRITE)

    for scope, prefix in [
        (Scope.READ, one.prefix),
        (Scope.WRITE, two.prefix),
        (Scope.READ, two.prefix),  # no row
    ]:
        assert BY_SCOPE_AND_PREFIX.rows((scope, prefix)) == list(
            _by_scope_and_prefix(None, scope, prefix)
        )
    [(name, expires, created)] = BY_SCOPE_AND_PREFIX.rows((Scope.READ, one.prefix))
    assert (name, expires) == ("one", ends)
    assert created.tzinfo is not None


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_query_is_compiled_once_and_its_constants_kept():
    built = []

    def build(shape, prefix):
        built.append(prefix)
        # "read" is a constant of the query, not a value of the request.
        return (
            ApiKey.objects.filter(scope=Scope.READ, prefix=prefix)
            .order_by()
            .values_list("name")
        )

    statement = Statement(build, marks=lambda shape: ("prefix-mark",))
    read = _key("read", scope=Scope.READ)
    write = _key("write", scope=Scope.WRITE)

    assert statement.rows((read.prefix,)) == [("read",)]
    assert statement.rows((write.prefix,)) == []
    assert built == ["prefix-mark"]
    assert "read" not in statement.sql()  # a parameter, not inlined


@pytest.mark.postgres
@pytest.mark.django_db
def test_each_shape_is_compiled_apart_and_only_the_newest_are_kept():
    def build(shape, prefix):
        query = ApiKey.objects.filter(prefix=prefix).order_by()
        if shape == "with scope":
            query = query.filter(scope=Scope.WRITE)
        return query.values_list("name")

    statement = Statement(build, marks=lambda shape: ("prefix-mark",), keep=2)
    write = _key("write", scope=Scope.WRITE)
    read = _key("read", scope=Scope.READ)

    assert statement.rows((write.prefix,), shape="with scope") == [("write",)]
    assert statement.rows((read.prefix,), shape="with scope") == []
    assert statement.rows((read.prefix,), shape="any") == [("read",)]
    statement.rows((read.prefix,), shape="third")
    assert len(statement._compiled) == 2
    assert statement.rows((write.prefix,), shape="with scope") == [("write",)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_mark_the_query_changes_is_refused_rather_than_guessed():
    statement = Statement(
        lambda shape, text: ApiKey.objects.filter(name__icontains=text)
        .order_by()
        .values_list("name"),
        marks=lambda shape: ("name-mark",),
    )

    with pytest.raises(ValueError, match="lost the marks"):
        statement.rows(("anything",))


@pytest.mark.django_db
def test_a_key_is_found_by_its_prefix_with_its_creators_standing():
    creator = factories.UserFactory()
    mine = ApiKey(name="mine", scope=Scope.READ)
    create_api_key(key=mine, by=creator)
    orphan = _key("orphan")

    key, owner_active = key_with_prefix(mine.prefix)
    assert (key.pk, key.name, key.scope, owner_active) == (
        mine.pk,
        "mine",
        Scope.READ,
        True,
    )
    assert key._state.adding is False
    assert key_with_prefix(orphan.prefix)[1] is True
    assert key_with_prefix("0000000000")[0] is None

    creator.is_active = False
    creator.save()
    assert key_with_prefix(mine.prefix)[1] is False


@pytest.mark.django_db
def test_a_keyed_request_reads_its_key_in_one_query(settings):
    key = ApiKey(name="reader", scope=Scope.READ)
    secret = create_api_key(key=key, by=factories.UserFactory())
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=dt.datetime.now(dt.UTC))
    from rest_framework.test import APIClient

    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/commands/").status_code == 200
    key_queries = [q for q in queries.captured_queries if "api_apikey" in q["sql"]]
    assert len(key_queries) == 1


@pytest.mark.django_db
def test_columns_the_orm_converts_come_converted():
    from audit import services as audit
    from audit.models import Action, AuditEvent

    event = audit.record(
        action=Action.LOGIN_FAILED, label="probe", after={"reason": "x", "n": [1, 2]}
    )
    statement = Statement(
        lambda shape, pk: AuditEvent.objects.filter(pk=pk)
        .order_by()
        .values_list("after", "at"),
        marks=lambda shape: (-1,),
    )

    assert statement.rows((event.pk,)) == list(
        AuditEvent.objects.filter(pk=event.pk).values_list("after", "at")
    )
    assert statement.rows((event.pk,))[0][0] == {"reason": "x", "n": [1, 2]}
    if connection.vendor == "postgresql":
        [(_, _, converters, _)] = statement._compiled.values()
        assert converters  # the JSON column's, applied by rows()
