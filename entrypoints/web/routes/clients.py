"""Clients: the list (search, sort, pages), a client's page, add, edit, delete, contacts."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter
from starlette.datastructures import FormData
from starlette.responses import Response

from application.clients import (
    AddClient,
    AddContact,
    AddContactCommand,
    DeleteClient,
    GetClient,
    ListClients,
    RemoveContact,
    UpdateClient,
)
from application.overviews import ShowClient
from application.views import UserView
from container import Container
from domain.errors import Conflict, InvalidInput, PreconditionFailed
from domain.pagination import PageRequest
from domain.queries import ClientQuery, ClientSort
from domain.values import NAME_MAX_LENGTH
from entrypoints.http.provide import provided
from entrypoints.http.schemas.clients import ClientIn, ClientPatch, ContactIn
from entrypoints.web.pages import (
    FormInvalid,
    Submitted,
    errors_of,
    form_status,
    nothing_changed,
    optional,
    parse,
    parse_as,
    redirect,
    render,
    text,
    version_seen,
)
from entrypoints.web.routes.paging import PAGE_SIZE, page_number, pager
from entrypoints.web.session import WebUser

router = APIRouter(include_in_schema=False, tags=["web"])

CONTACT_ROWS = 3  # contact rows on the new-client form
CONTACT_KINDS = ("email", "phone", "other")
_FORM_FAILURES = (InvalidInput, Conflict, PreconditionFailed)
_CONTACT: TypeAdapter[ContactIn] = TypeAdapter(ContactIn)
SORTS = {
    ClientSort.NAME: "Name, A to Z",
    ClientSort.NAME_DESC: "Name, Z to A",
    ClientSort.CREATED_AT_DESC: "Newest first",
    ClientSort.CREATED_AT: "Oldest first",
}


@router.get("/clients")
async def clients_page(
    request: Request,
    user: WebUser,
    list_clients: Annotated[ListClients, Depends(provided(Container.list_clients))],
) -> Response:
    q = request.query_params.get("q", "").strip()[:NAME_MAX_LENGTH] or None
    sort = _sort(request.query_params.get("sort", ""))
    number = page_number(request)
    query = ClientQuery(
        owner_id=user.id,
        page=PageRequest(PAGE_SIZE, (number - 1) * PAGE_SIZE),
        search=q,
        sort=sort,
    )
    page = await list_clients.execute(query)
    return render(
        request,
        "clients.html",
        user=user,
        page=page,
        pager=pager(request, page),
        q=q or "",
        sort=sort.value,
        sorts=SORTS,
    )


def _sort(value: str) -> ClientSort:
    try:
        return ClientSort(value)
    except ValueError:
        return ClientSort.NAME


def _contact_fields(form: FormData) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled contact rows, and the row each came from (errors name the row)."""
    contacts, rows = [], []
    for row in range(CONTACT_ROWS):
        value = text(form, f"contacts.{row}.value").strip()
        if value:
            contacts.append(
                {
                    "kind": text(form, f"contacts.{row}.kind"),
                    "value": value,
                    "label": optional(form, f"contacts.{row}.label"),
                }
            )
            rows.append(row)
    return contacts, rows


def _by_row(errors: dict[str, str], rows: list[int]) -> dict[str, str]:
    renamed = {}
    for field, message in errors.items():
        parts = field.split(".")
        if len(parts) >= 2 and parts[0] == "contacts" and parts[1].isdigit():
            index = int(parts[1])
            parts[1] = str(rows[index]) if index < len(rows) else parts[1]
        renamed[".".join(parts)] = message
    return renamed


def _client_fields(form: FormData) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "company": optional(form, "company"),
        "notes": optional(form, "notes"),
    }


def _new_client_form(
    request: Request, user: UserView, values: Any, errors: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "client_form.html",
        user=user,
        client=None,
        values=values,
        errors=errors,
        rows=CONTACT_ROWS,
        kinds=CONTACT_KINDS,
        status_code=form_status(errors) if errors else 200,
    )


@router.get("/clients/new")
async def new_client_page(request: Request, user: WebUser) -> Response:
    return _new_client_form(request, user, {})


@router.post("/clients/new")
async def add_client(
    request: Request,
    form: Submitted,
    user: WebUser,
    add: Annotated[AddClient, Depends(provided(Container.add_client))],
) -> Response:
    contacts, rows = _contact_fields(form)
    fields = {**_client_fields(form), "contacts": contacts}
    try:
        client = await add.execute(parse(ClientIn, fields).to_command(user.id))
    except FormInvalid as invalid:
        errors = _by_row(dict(invalid.errors), rows)
    except _FORM_FAILURES as error:
        errors = _by_row(errors_of(error), rows)
    else:
        return redirect(f"/clients/{client.id}?done=client_added")
    return _new_client_form(request, user, form, errors)


@router.get("/clients/{client_id}")
async def client_page(
    request: Request,
    client_id: UUID,
    user: WebUser,
    show: Annotated[ShowClient, Depends(provided(Container.show_client))],
) -> Response:
    overview = await show.execute(user.id, client_id)
    return render(
        request,
        "client.html",
        user=user,
        client=overview.client.view,
        version=overview.client.version,
        meetings=overview.meetings,
        kinds=CONTACT_KINDS,
    )


@router.get("/clients/{client_id}/edit")
async def edit_client_page(
    request: Request,
    client_id: UUID,
    user: WebUser,
    get: Annotated[GetClient, Depends(provided(Container.get_client))],
) -> Response:
    client = await get.execute(user.id, client_id)
    view = client.view
    values = {"name": view.name, "company": view.company or "", "notes": view.notes or ""}
    return render(
        request,
        "client_form.html",
        user=user,
        client=view,
        version=client.version,
        values=values,
    )


@router.post("/clients/{client_id}/edit")
async def save_client(
    request: Request,
    client_id: UUID,
    form: Submitted,
    user: WebUser,
    update: Annotated[UpdateClient, Depends(provided(Container.update_client))],
) -> Response:
    try:
        body = parse(ClientPatch, _client_fields(form))
        await update.execute(body.to_command(user.id, client_id, version_seen(form)))
    except FormInvalid as invalid:
        errors = dict(invalid.errors)
    except _FORM_FAILURES as error:
        errors = errors_of(error)
    else:
        return redirect(f"/clients/{client_id}?done=client_saved")
    return render(
        request,
        "client_form.html",
        user=user,
        client={"id": client_id},
        version=text(form, "version"),
        values=form,
        errors=errors,
        status_code=form_status(errors),
    )


@router.post("/clients/{client_id}/delete")
async def delete_client(
    request: Request,
    client_id: UUID,
    form: Submitted,
    user: WebUser,
    delete: Annotated[DeleteClient, Depends(provided(Container.delete_client))],
) -> Response:
    try:
        await delete.execute(user.id, client_id, precondition=version_seen(form))
    except PreconditionFailed as error:
        return nothing_changed(request, user, error, f"/clients/{client_id}", "Not deleted")
    return redirect("/clients?done=client_deleted")


@router.get("/clients/{client_id}/contacts/new")
async def new_contact_page(
    request: Request,
    client_id: UUID,
    user: WebUser,
    get: Annotated[GetClient, Depends(provided(Container.get_client))],
) -> Response:
    client = await get.execute(user.id, client_id)
    return _contact_form(request, user, client_id, client.view.name, {})


def _contact_form(
    request: Request,
    user: UserView,
    client_id: UUID,
    client_name: str | None,
    values: Any,
    errors: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "contact_form.html",
        user=user,
        client_id=client_id,
        client_name=client_name,
        values=values,
        errors=errors,
        kinds=CONTACT_KINDS,
        status_code=422 if errors else 200,
    )


@router.post("/clients/{client_id}/contacts/new")
async def add_contact(
    request: Request,
    client_id: UUID,
    form: Submitted,
    user: WebUser,
    add: Annotated[AddContact, Depends(provided(Container.add_contact))],
) -> Response:
    fields = {
        "kind": text(form, "kind"),
        "value": text(form, "value").strip(),
        "label": optional(form, "label"),
    }
    try:
        contact = parse_as(_CONTACT, fields)  # the API's schema for the contact's kind
        await add.execute(AddContactCommand(user.id, client_id, contact.to_draft()))
    except FormInvalid as invalid:
        errors = dict(invalid.errors)
    except InvalidInput as error:
        errors = errors_of(error)
    else:
        return redirect(f"/clients/{client_id}?done=contact_added")
    return _contact_form(request, user, client_id, None, form, errors)


@router.post("/clients/{client_id}/contacts/{contact_id}/delete")
async def remove_contact(
    client_id: UUID,
    contact_id: UUID,
    form: Submitted,
    user: WebUser,
    remove: Annotated[RemoveContact, Depends(provided(Container.remove_contact))],
) -> Response:
    await remove.execute(user.id, client_id, contact_id)
    return redirect(f"/clients/{client_id}?done=contact_removed")
