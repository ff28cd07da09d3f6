"""The ``clients`` and ``contacts`` tables, their mapping, and the client repository."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    bindparam,
    func,
    or_,
    select,
)

from adapters.sqlalchemy.connection import Db
from adapters.sqlalchemy.schema import UtcDateTime, folded_text, metadata
from domain.clients import Client, Contact
from domain.pagination import Page
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
    UniqueConstraint("owner_id", "name_key"),
    Index("ix_clients_owner_id_created_at_id", "owner_id", "created_at", "id"),
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


def contact_from_row(row: Row[Any]) -> Contact:
    return Contact(
        id=row.id,
        kind=ContactKind(row.kind),
        value=row.value,
        label=row.label,
        created_at=row.created_at,
    )


def client_from_row(row: Row[Any], contact_list: list[Contact]) -> Client:
    return Client(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        name_key=row.name_key,
        company=row.company,
        notes=row.notes,
        created_at=row.created_at,
        updated_at=row.updated_at,
        contacts=contact_list,
    )


def like_pattern(needle: str) -> str:
    """A LIKE pattern matching ``needle`` literally anywhere (``\\`` is the escape)."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_CLIENT_COLUMNS = list(clients.c)
_CONTACT_COLUMNS = [
    contacts.c.id,
    contacts.c.client_id,
    contacts.c.kind,
    contacts.c.value,
    contacts.c.label,
    contacts.c.created_at,
]
_INSERT_CLIENT = clients.insert()
_INSERT_CONTACT = contacts.insert()
# One statement for a client and its contacts, in stored order.
_GET = (
    select(
        *_CLIENT_COLUMNS,
        contacts.c.id.label("contact_id"),
        contacts.c.kind.label("contact_kind"),
        contacts.c.value.label("contact_value"),
        contacts.c.label.label("contact_label"),
        contacts.c.created_at.label("contact_created_at"),
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
# The SET clause comes from the keys of the parameters passed.
_UPDATE_CLIENT = clients.update().where(clients.c.id == bindparam("client_id"))
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
_CONTACTS_OF = (
    select(*_CONTACT_COLUMNS)
    .where(contacts.c.client_id.in_(bindparam("client_ids", expanding=True)))
    .order_by(contacts.c.client_id, contacts.c.position)
)
_ORDERINGS: dict[ClientSort, tuple[ColumnElement[Any], ...]] = {
    ClientSort.NAME: (clients.c.name_key.asc(), clients.c.id.asc()),
    ClientSort.NAME_DESC: (clients.c.name_key.desc(), clients.c.id.desc()),
    ClientSort.CREATED_AT: (clients.c.created_at.asc(), clients.c.id.asc()),
    ClientSort.CREATED_AT_DESC: (clients.c.created_at.desc(), clients.c.id.desc()),
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

    async def get(self, client_id: UUID, *, owner_id: UUID) -> Client | None:
        rows = (await self._db.execute(_GET, {"client_id": client_id, "owner": owner_id})).all()
        if not rows:
            return None
        contact_list = [
            Contact(
                id=r.contact_id,
                kind=ContactKind(r.contact_kind),
                value=r.contact_value,
                label=r.contact_label,
                created_at=r.contact_created_at,
            )
            for r in rows
            if r.contact_id is not None
        ]
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
        del params["owner_id"], params["created_at"]
        result = await self._db.execute(_UPDATE_CLIENT, params)
        if result.rowcount == 0:
            return
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

    async def list(self, query: ClientQuery) -> Page[Client]:
        conditions: list[ColumnElement[bool]] = [clients.c.owner_id == query.owner_id]
        if query.search:
            pattern = like_pattern(query.search.casefold())
            conditions.append(
                or_(
                    clients.c.name_key.like(pattern, escape="\\"),
                    clients.c.company_key.like(pattern, escape="\\"),
                )
            )
        page = query.page
        statement = (
            select(*_CLIENT_COLUMNS, func.count().over().label("total"))
            .where(*conditions)
            .order_by(*_ORDERINGS[query.sort])
            .limit(page.limit)
            .offset(page.offset)
        )
        rows = (await self._db.execute(statement)).all()
        if not rows:
            total = 0
            if page.offset:
                count = select(func.count()).select_from(clients).where(*conditions)
                total = (await self._db.execute(count)).scalar_one()
            return Page([], total, page.limit, page.offset)
        by_client: dict[UUID, list[Contact]] = {r.id: [] for r in rows}
        # One statement for the contacts of the whole page, whatever its size.
        for contact_row in await self._db.execute(_CONTACTS_OF, {"client_ids": list(by_client)}):
            by_client[contact_row.client_id].append(contact_from_row(contact_row))
        return Page(
            [client_from_row(r, by_client[r.id]) for r in rows],
            rows[0].total,
            page.limit,
            page.offset,
        )
