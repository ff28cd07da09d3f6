"""The ``clients`` and ``contacts`` tables, their mapping, and the client repository."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from operator import itemgetter
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Row,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    any_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql

from adapters.sqlalchemy.connection import Db
from adapters.sqlalchemy.schema import UtcDateTime, folded_text, metadata, postgresql_only
from domain.clients import Client, Contact
from domain.errors import ConcurrentUpdate
from domain.pagination import Page, PageRequest
from domain.ports import ClientRepository
from domain.queries import ClientQuery, ClientSort
from domain.values import ContactKind

clients = Table(
    "clients",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    # The domain's case-folded name: uniqueness and sorting use it, never SQL lower().
    Column("name_key", folded_text(), nullable=False),
    Column("company", String(200), nullable=True),
    # Adapter-only: the case-folded company, so search folds the same way on every database.
    Column("company_key", folded_text(), nullable=True),
    Column("notes", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The aggregate's compare-and-set guard, advanced by every change, contacts included.
    Column("version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("owner_id", "name_key"),
    Index("ix_clients_owner_id_created_at_id", "owner_id", "created_at", "id"),
    # Substring search (``LIKE '%…%'``) on PostgreSQL: trigram indexes (pg_trgm). SQLite
    # has none; it reads the owner's clients (ADR 0023).
    *(
        postgresql_only(
            Index(
                f"ix_clients_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
        )
        for column in ("name_key", "company_key")
    ),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("client_id", Uuid, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", Text, nullable=False),
    Column("label", String(50), nullable=True),
    # Adapter-only: the contact's index in ``Client.contacts``, which keeps list order.
    Column("position", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_contacts_client_id_position", "client_id", "position"),
)


def _fold(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def client_to_row(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "owner_id": client.owner_id,
        "name": client.name,
        "name_key": client.name_key,
        "company": client.company,
        "company_key": _fold(client.company),
        "notes": client.notes,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
        "version": client.version,
    }


def contact_to_row(client_id: UUID, position: int, contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "client_id": client_id,
        "kind": contact.kind.value,
        "value": contact.value,
        "label": contact.label,
        "position": position,
        "created_at": contact.created_at,
    }


# Mappers read a row's values by position, found by column name once, here: reading a
# Row by attribute costs a lookup per column per row, which a page of 50 clients and
# their 150 contacts paid for on every request (docs/performance.md, issue 20). Stored
# values are taken as they are: the domain checked them when they were written. A dict
# lookup, not an Enum call, gives a stored kind back.
CLIENT_COLUMNS = tuple(clients.c)
CONTACT_COLUMNS = (
    contacts.c.id,
    contacts.c.kind,
    contacts.c.value,
    contacts.c.label,
    contacts.c.created_at,
)
_KINDS = {kind.value: kind for kind in ContactKind}
_CLIENT_NAMES = [column.name for column in CLIENT_COLUMNS]
_CLIENT_ID = _CLIENT_NAMES.index("id")
# Any row whose first columns are CLIENT_COLUMNS (a listing's total, or a contact's
# columns, follow them).
_CLIENT_VALUES = itemgetter(
    *(
        _CLIENT_NAMES.index(name)
        for name in (
            "id",
            "owner_id",
            "name",
            "name_key",
            "company",
            "notes",
            "created_at",
            "updated_at",
            "version",
        )
    )
)
# A contact's columns (CONTACT_COLUMNS' order) where they start in a row: first in the
# page's contacts, after the client's in a client joined with its contacts.
_CONTACT_WIDTH = len(CONTACT_COLUMNS)
_CONTACT_VALUES = itemgetter(*range(_CONTACT_WIDTH))
_JOINED_CONTACT_VALUES = itemgetter(
    *range(len(CLIENT_COLUMNS), len(CLIENT_COLUMNS) + _CONTACT_WIDTH)
)


def _contact(values: tuple[Any, ...]) -> Contact:
    contact_id, kind, value, label, created_at = values
    return Contact(
        id=contact_id, kind=_KINDS[kind], value=value, label=label, created_at=created_at
    )


def contact_from_row(row: Row[Any]) -> Contact:
    """A contact from a row whose first columns are CONTACT_COLUMNS."""
    return _contact(_CONTACT_VALUES(row))


def joined_contact_from_row(row: Row[Any]) -> Contact:
    """A contact from a client row joined with it (CLIENT_COLUMNS, then CONTACT_COLUMNS)."""
    return _contact(_JOINED_CONTACT_VALUES(row))


def client_from_row(row: Row[Any], contact_list: list[Contact]) -> Client:
    """A client from a row whose first columns are CLIENT_COLUMNS."""
    (
        client_id,
        owner_id,
        name,
        name_key,
        company,
        notes,
        created_at,
        updated_at,
        version,
    ) = _CLIENT_VALUES(row)
    return Client(
        id=client_id,
        owner_id=owner_id,
        name=name,
        name_key=name_key,
        company=company,
        notes=notes,
        created_at=created_at,
        updated_at=updated_at,
        contacts=contact_list,
        version=version,
    )


def like_pattern(needle: str) -> str:
    """A LIKE pattern matching ``needle`` literally anywhere (``\\`` is the escape)."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_INSERT_CLIENT = clients.insert()
_INSERT_CONTACT = contacts.insert()
# One statement for a client and its contacts, in stored order.
_GET = (
    select(
        *CLIENT_COLUMNS,
        *(column.label(f"contact_{column.name}") for column in CONTACT_COLUMNS),
    )
    .select_from(clients.outerjoin(contacts, contacts.c.client_id == clients.c.id))
    .where(clients.c.id == bindparam("client_id"), clients.c.owner_id == bindparam("owner"))
    .order_by(contacts.c.position)
)
_EXISTS = (
    select(clients.c.id)
    .where(clients.c.id == bindparam("client_id"), clients.c.owner_id == bindparam("owner"))
    .limit(1)
)
# A picker's names: the (owner_id, name_key) unique index gives them in order.
_NAMES = (
    select(clients.c.id, clients.c.name)
    .where(clients.c.owner_id == bindparam("owner"))
    .order_by(clients.c.name_key, clients.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_OWNED = select(clients.c.id).where(clients.c.owner_id == bindparam("owner"))
_COUNT_OWNED = select(func.count()).select_from(_OWNED.subquery())
_COUNT_OWNED_UP_TO = select(func.count()).select_from(_OWNED.limit(bindparam("cap")).subquery())
_NAME_EXISTS = (
    select(clients.c.id)
    .where(clients.c.owner_id == bindparam("owner"), clients.c.name_key == bindparam("key"))
    .limit(1)
)
_NAME_EXISTS_EXCLUDING = (
    select(clients.c.id)
    .where(
        clients.c.owner_id == bindparam("owner"),
        clients.c.name_key == bindparam("key"),
        clients.c.id != bindparam("excluding"),
    )
    .limit(1)
)
_EXISTING_KEYS = select(clients.c.name_key).where(
    clients.c.owner_id == bindparam("owner"),
    clients.c.name_key.in_(bindparam("keys", expanding=True)),
)
# Compare-and-set: the SET clause comes from the keys of the parameters passed, and
# matches only the version that was read.
_UPDATE_CLIENT = clients.update().where(
    clients.c.id == bindparam("client_id"), clients.c.version == bindparam("seen_version")
)
# Held first, read after: a locking read that waited sees the winner's client row but
# its own, older snapshot of the joined contacts. NO KEY UPDATE leaves meetings free to
# reference the client meanwhile.
_LOCK = (
    select(clients.c.id)
    .where(clients.c.id == bindparam("client_id"), clients.c.owner_id == bindparam("owner"))
    .with_for_update(key_share=True)
)
# SQLite has no row locks: a write to the row takes the database's write lock instead.
_TAKE_WRITE_LOCK = (
    clients.update()
    .where(clients.c.id == bindparam("client_id"), clients.c.owner_id == bindparam("owner"))
    .values(version=clients.c.version)
)
_STORED_CONTACT_IDS = (
    select(contacts.c.id)
    .where(contacts.c.client_id == bindparam("client_id"))
    .order_by(contacts.c.position)
)
_DELETE_CONTACTS = contacts.delete().where(
    contacts.c.client_id == bindparam("client_id"),
    contacts.c.id.in_(bindparam("contact_ids", expanding=True)),
)
_MOVE_CONTACT = (
    contacts.update()
    .where(contacts.c.id == bindparam("contact_id"))
    .values(position=bindparam("new_position"))
)
_DELETE_CLIENT = clients.delete().where(
    clients.c.id == bindparam("client_id"), clients.c.owner_id == bindparam("owner")
)


def _contacts_of(in_page: ColumnElement[bool]) -> Select[Any]:
    """The contacts of a page, in stored order; the client's id follows their columns
    (at ``_CONTACT_WIDTH``)."""
    return (
        select(*CONTACT_COLUMNS, contacts.c.client_id)
        .where(in_page)
        .order_by(contacts.c.client_id, contacts.c.position)
    )


# PostgreSQL gets the page's ids as one array parameter (``= ANY``): one statement text
# whatever the page size, and no expanding IN to render on every call. Elsewhere, IN.
_CONTACTS_OF_IN = _contacts_of(contacts.c.client_id.in_(bindparam("client_ids", expanding=True)))
_UUID_ARRAY = postgresql.ARRAY(Uuid, dimensions=1)
_CONTACTS_OF_ANY = _contacts_of(
    contacts.c.client_id == any_(bindparam("client_ids", type_=_UUID_ARRAY))
)
_ORDERINGS: dict[ClientSort, tuple[ColumnElement[Any], ...]] = {
    ClientSort.NAME: (clients.c.name_key.asc(), clients.c.id.asc()),
    ClientSort.NAME_DESC: (clients.c.name_key.desc(), clients.c.id.desc()),
    ClientSort.CREATED_AT: (clients.c.created_at.asc(), clients.c.id.asc()),
    ClientSort.CREATED_AT_DESC: (clients.c.created_at.desc(), clients.c.id.desc()),
}


def _list_conditions(*, search: bool) -> tuple[ColumnElement[bool], ...]:
    owned = clients.c.owner_id == bindparam("owner")
    if not search:
        return (owned,)
    pattern: BindParameter[str] = bindparam("pattern")
    return (
        owned,
        or_(
            clients.c.name_key.like(pattern, escape="\\"),
            clients.c.company_key.like(pattern, escape="\\"),
        ),
    )


def _matches_counted(*, search: bool, sort: ClientSort, capped: bool) -> Select[Any]:
    """How many clients match, counting no further than ``:cap`` when ``capped``.

    A listing counts in the page's order, so the count reads the index range the page
    reads (see the meetings' count). A search counts in no order: its matches come from
    the trigram indexes, and an order invites PostgreSQL's generic plan (which a prepared
    statement gets after its fifth run, not knowing the pattern) to walk the owner's
    name index and filter every client instead: 10-20 ms against 1 for a rare name.
    """
    conditions = _list_conditions(search=search)
    if not capped:
        return select(func.count()).select_from(clients).where(*conditions)
    matches = select(clients.c.id).where(*conditions)
    if not search:
        matches = matches.order_by(*_ORDERINGS[sort])
    capped_matches = matches.limit(bindparam("cap", type_=Integer)).subquery("matches")
    return select(func.count()).select_from(capped_matches)


# Listing statements, built once per (search or not, sort, whether the count is capped)
# rather than per call: same SQL, with the owner, the pattern, the limit, the offset and
# the cap as parameters. The count rides on the page's statement as a subquery that
# runs once; on its own only for an empty page past the first (ADR 0023).
_LIST_PAGE = {
    (search, sort, capped): select(
        *CLIENT_COLUMNS,
        _matches_counted(search=search, sort=sort, capped=capped).scalar_subquery().label("total"),
    )
    .where(*_list_conditions(search=search))
    .order_by(*ordering)
    .limit(bindparam("limit", type_=Integer))
    .offset(bindparam("offset", type_=Integer))
    for search in (False, True)
    for sort, ordering in _ORDERINGS.items()
    for capped in (False, True)
}
_LIST_COUNT = {
    (search, sort, capped): _matches_counted(search=search, sort=sort, capped=capped)
    for search in (False, True)
    for sort in ClientSort
    for capped in (False, True)
}


class SqlAlchemyClientRepository(ClientRepository):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, client: Client) -> None:
        await self.add_many([client])

    async def add_many(self, clients_: Sequence[Client]) -> None:
        if not clients_:
            return
        await self._db.execute(_INSERT_CLIENT, [client_to_row(c) for c in clients_])
        contact_rows = [
            contact_to_row(c.id, position, contact)
            for c in clients_
            for position, contact in enumerate(c.contacts)
        ]
        if contact_rows:
            await self._db.execute(_INSERT_CONTACT, contact_rows)

    async def get(
        self, client_id: UUID, *, owner_id: UUID, for_update: bool = False
    ) -> Client | None:
        params = {"client_id": client_id, "owner": owner_id}
        if for_update:
            await self._db.begin()
            lock = _LOCK if self._db.conn.dialect.name == "postgresql" else _TAKE_WRITE_LOCK
            await self._db.execute(lock, params)
        rows = (await self._db.execute(_GET, params)).all()
        if not rows:
            return None
        # Each row is the client's columns, then one contact's (all None without contacts).
        contact_list = [joined_contact_from_row(row) for row in rows if row.contact_id is not None]
        self._db.loaded_contacts[client_id] = [c.id for c in contact_list]
        return client_from_row(rows[0], contact_list)

    async def exists(self, client_id: UUID, *, owner_id: UUID) -> bool:
        result = await self._db.execute(_EXISTS, {"client_id": client_id, "owner": owner_id})
        return result.first() is not None

    async def name_exists(
        self, owner_id: UUID, name_key: str, *, excluding: UUID | None = None
    ) -> bool:
        if excluding is None:
            result = await self._db.execute(_NAME_EXISTS, {"owner": owner_id, "key": name_key})
        else:
            result = await self._db.execute(
                _NAME_EXISTS_EXCLUDING, {"owner": owner_id, "key": name_key, "excluding": excluding}
            )
        return result.first() is not None

    async def existing_name_keys(self, owner_id: UUID, name_keys: Collection[str]) -> set[str]:
        if not name_keys:
            return set()
        # Called batch after batch while an import fills the table (see the method).
        await self._db.plan_for_growing_tables()
        result = await self._db.execute(
            _EXISTING_KEYS, {"owner": owner_id, "keys": list(set(name_keys))}
        )
        return set(result.scalars())

    async def update(self, client: Client) -> None:
        params = client_to_row(client)
        params["client_id"] = params.pop("id")
        params["seen_version"] = client.version
        params["version"] = client.version + 1
        del params["owner_id"], params["created_at"]
        result = await self._db.execute(_UPDATE_CLIENT, params)
        if result.rowcount != 1:
            # Another writer came first (or deleted it): the contacts read with this
            # version may no longer be the stored ones, so nothing of them is written.
            raise ConcurrentUpdate()
        client.version += 1
        stored = self._db.loaded_contacts.get(client.id)
        if stored is None:
            ids = await self._db.execute(_STORED_CONTACT_IDS, {"client_id": client.id})
            stored = list(ids.scalars())
        wanted = {c.id for c in client.contacts}
        removed = [contact_id for contact_id in stored if contact_id not in wanted]
        if removed:
            await self._db.execute(
                _DELETE_CONTACTS, {"client_id": client.id, "contact_ids": removed}
            )
        # Stored positions are always 0..n-1 in list order, so a contact's stored
        # position is its index among the stored ids.
        old_position = {contact_id: i for i, contact_id in enumerate(stored)}
        new_rows, moves = [], []
        for position, contact in enumerate(client.contacts):
            previous = old_position.get(contact.id)
            if previous is None:
                new_rows.append(contact_to_row(client.id, position, contact))
            elif previous != position:
                moves.append({"contact_id": contact.id, "new_position": position})
        if moves:
            await self._db.execute(_MOVE_CONTACT, moves)
        if new_rows:
            await self._db.execute(_INSERT_CONTACT, new_rows)
        self._db.loaded_contacts[client.id] = [c.id for c in client.contacts]

    async def delete(self, client_id: UUID, *, owner_id: UUID) -> bool:
        # Contacts go with it (ON DELETE CASCADE); meetings keep a null client_id.
        result = await self._db.execute(_DELETE_CLIENT, {"client_id": client_id, "owner": owner_id})
        self._db.loaded_contacts.pop(client_id, None)
        return result.rowcount > 0

    async def list_names(self, owner_id: UUID, page: PageRequest) -> Page[tuple[UUID, str]]:
        params: dict[str, Any] = {"owner": owner_id, "limit": page.limit, "offset": page.offset}
        rows = (await self._db.execute(_NAMES, params)).all()
        items = [(row.id, row.name) for row in rows]
        if page.offset == 0 and len(rows) < page.limit:
            return page.page_of(items, len(rows))  # all of them: no count needed
        cap = page.count_cap
        if cap is None:
            counted = (await self._db.execute(_COUNT_OWNED, params)).scalar_one()
        else:
            params["cap"] = cap
            counted = (await self._db.execute(_COUNT_OWNED_UP_TO, params)).scalar_one()
        return page.page_of(items, counted)

    async def list(self, query: ClientQuery) -> Page[Client]:
        page = query.page
        params: dict[str, Any] = {
            "owner": query.owner_id,
            "limit": page.limit,
            "offset": page.offset,
        }
        search = False
        if query.search:
            search = True
            params["pattern"] = like_pattern(query.search.casefold())
        cap = page.count_cap
        if cap is not None:
            params["cap"] = cap
        capped = cap is not None
        rows = (await self._db.execute(_LIST_PAGE[search, query.sort, capped], params)).all()
        if not rows:
            counted = 0
            if page.offset:
                statement = _LIST_COUNT[search, query.sort, capped]
                counted = (await self._db.execute(statement, params)).scalar_one()
            return page.page_of([], counted)
        page_clients: list[tuple[Row[Any], list[Contact]]] = [(row, []) for row in rows]
        by_client: dict[UUID, list[Contact]] = {
            row[_CLIENT_ID]: contact_list for row, contact_list in page_clients
        }
        # One statement for the contacts of the whole page, whatever its size.
        on_postgresql = self._db.conn.dialect.name == "postgresql"
        contacts_of = _CONTACTS_OF_ANY if on_postgresql else _CONTACTS_OF_IN
        result = await self._db.execute(contacts_of, {"client_ids": list(by_client)})
        for contact_row in result.all():  # fetched at once, not one fetch call per row
            by_client[contact_row[_CONTACT_WIDTH]].append(contact_from_row(contact_row))
        return page.page_of(
            [client_from_row(row, contact_list) for row, contact_list in page_clients],
            rows[0].total,
        )
