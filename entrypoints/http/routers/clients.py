"""Clients and their contacts, always scoped to the caller."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

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
from container import Container
from domain.pagination import MAX_OFFSET, PageRequest
from domain.queries import ClientQuery, ClientSort
from domain.values import NAME_MAX_LENGTH
from entrypoints.http.conditional import ETAG_HEADER, IfMatch, tagged
from entrypoints.http.problems import problems
from entrypoints.http.provide import provided
from entrypoints.http.rendering import ViewResponse
from entrypoints.http.routers import API_PREFIX, created
from entrypoints.http.schemas.clients import (
    ClientIn,
    ClientOut,
    ClientPage,
    ClientPatch,
    ContactIn,
    ContactOut,
)
from entrypoints.http.schemas.fields import NO_NUL_PATTERN, WHOLE_NUMBER
from entrypoints.http.security import CurrentUser

router = APIRouter(
    prefix=f"{API_PREFIX}/clients",
    tags=["clients"],
    responses=problems(401),
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ClientOut,
    summary="Add a client, with its contacts (all or nothing)",
    responses={**created("client"), **problems(409, 422)},
)
async def add_client(
    body: ClientIn,
    user: CurrentUser,
    add: Annotated[AddClient, Depends(provided(Container.add_client))],
) -> ViewResponse:
    client = await add.execute(body.to_command(owner_id=user.id))
    location = f"{API_PREFIX}/clients/{client.id}"
    return ViewResponse(client, status_code=201, headers={"Location": location})


@router.get(
    "",
    response_model=ClientPage,
    summary="List my clients",
    responses=problems(422),
)
async def list_clients(
    user: CurrentUser,
    list_clients: Annotated[ListClients, Depends(provided(Container.list_clients))],
    limit: Annotated[int, Query(ge=1, le=100), WHOLE_NUMBER] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET), WHOLE_NUMBER] = 0,
    q: Annotated[
        str | None,
        Query(
            max_length=NAME_MAX_LENGTH,
            pattern=NO_NUL_PATTERN,
            description="Case-insensitive substring of name or company.",
        ),
    ] = None,
    sort: ClientSort = ClientSort.NAME,
) -> ViewResponse:
    query = ClientQuery(owner_id=user.id, page=PageRequest(limit, offset), search=q, sort=sort)
    return ViewResponse(await list_clients.execute(query))


@router.get(
    "/{client_id:uuid}",
    response_model=ClientOut,
    summary="One client with its contacts",
    responses={200: {"headers": ETAG_HEADER}, **problems(404, 422)},
)
async def get_client(
    client_id: UUID,
    user: CurrentUser,
    get: Annotated[GetClient, Depends(provided(Container.get_client))],
) -> ViewResponse:
    return tagged(await get.execute(user.id, client_id))


@router.patch(
    "/{client_id:uuid}",
    response_model=ClientOut,
    summary="Change a client's name, company or notes",
    responses={200: {"headers": ETAG_HEADER}, **problems(404, 409, 412, 422)},
)
async def update_client(
    client_id: UUID,
    body: ClientPatch,
    user: CurrentUser,
    precondition: IfMatch,
    update: Annotated[UpdateClient, Depends(provided(Container.update_client))],
) -> ViewResponse:
    return tagged(await update.execute(body.to_command(user.id, client_id, precondition)))


@router.delete(
    "/{client_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a client and its contacts (its meetings stay, without a client)",
    responses=problems(404, 412, 422),
)
async def delete_client(
    client_id: UUID,
    user: CurrentUser,
    precondition: IfMatch,
    delete: Annotated[DeleteClient, Depends(provided(Container.delete_client))],
) -> Response:
    await delete.execute(user.id, client_id, precondition=precondition)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{client_id:uuid}/contacts",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactOut,
    summary="Add a contact to a client",
    responses={**created("contact"), **problems(404, 422)},
)
async def add_contact(
    client_id: UUID,
    body: ContactIn,
    user: CurrentUser,
    add: Annotated[AddContact, Depends(provided(Container.add_contact))],
) -> ViewResponse:
    contact = await add.execute(AddContactCommand(user.id, client_id, body.to_draft()))
    location = f"{API_PREFIX}/clients/{client_id}/contacts/{contact.id}"
    return ViewResponse(contact, status_code=201, headers={"Location": location})


@router.delete(
    "/{client_id:uuid}/contacts/{contact_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove a contact",
    responses=problems(404, 422),
)
async def remove_contact(
    client_id: UUID,
    contact_id: UUID,
    user: CurrentUser,
    remove: Annotated[RemoveContact, Depends(provided(Container.remove_contact))],
) -> Response:
    await remove.execute(user.id, client_id, contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
