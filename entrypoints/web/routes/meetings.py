"""Meetings: the list (by period and client, in pages), schedule, edit, delete, export."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from application.meetings import (
    DeleteMeeting,
    ExportMeetings,
    ScheduleMeetingCommand,
    UpdateMeetingCommand,
)
from application.overviews import (
    BrowseMeetings,
    ClientChoices,
    EditMeeting,
    ListClientChoices,
    MeetingFormOutcome,
    SubmitMeetingForm,
)
from application.views import UserView
from container import Container
from domain.errors import InvalidInput, PreconditionFailed
from domain.pagination import PageRequest
from domain.queries import MeetingFilter, MeetingQuery, MeetingSort
from entrypoints.http.provide import provided
from entrypoints.http.routers.meetings import csv_download
from entrypoints.http.schemas.meetings import MeetingIn, MeetingPatch
from entrypoints.web.pages import (
    PERIOD_FIELDS,
    FormInvalid,
    Submitted,
    errors_of,
    form_status,
    local_datetime,
    nothing_changed,
    number,
    optional,
    parse,
    redirect,
    render,
    text,
    version_seen,
    wall_clock,
    zone_of,
)
from entrypoints.web.routes.paging import PAGE_SIZE, page_number, pager
from entrypoints.web.session import WebUser

router = APIRouter(include_in_schema=False, tags=["web"])


def day(
    value: str | None, field: str, errors: dict[str, str], time_zone: str = "UTC"
) -> datetime | None:
    """A ``date`` input as the start of that day in ``time_zone``; a bad one is noted in
    ``errors``."""
    if not value:
        return None
    try:
        midnight = datetime.combine(date.fromisoformat(value), datetime.min.time())
        return midnight.replace(tzinfo=zone_of(time_zone))
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return None


def client_param(value: str | None, errors: dict[str, str]) -> UUID | None:
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError:
        errors["client"] = "Choose a client from the list."
        return None


def meeting_filter(
    user: UserView, params: Mapping[str, str], errors: dict[str, str]
) -> MeetingFilter:
    """The filter of a query string (``from``, ``before``, ``client``); bad parts left out."""
    starts_from = day(params.get("from"), "from", errors, user.time_zone)
    starts_before = day(params.get("before"), "before", errors, user.time_zone)
    client_id = client_param(params.get("client"), errors)
    try:
        return MeetingFilter(user.id, client_id, starts_from, starts_before)
    except InvalidInput as error:
        errors.update(errors_of(error, PERIOD_FIELDS))
        return MeetingFilter(user.id, client_id)


@router.get("/meetings")
async def meetings_page(
    request: Request,
    user: WebUser,
    browse: Annotated[BrowseMeetings, Depends(provided(Container.browse_meetings))],
) -> Response:
    errors: dict[str, str] = {}
    params = request.query_params
    chosen = meeting_filter(user, params, errors)
    n = page_number(request)
    overview = await browse.execute(
        MeetingQuery(
            chosen, PageRequest(PAGE_SIZE, (n - 1) * PAGE_SIZE), MeetingSort.STARTS_AT_DESC
        )
    )
    return render(
        request,
        "meetings.html",
        user=user,
        page=overview.meetings,
        pager=pager(request, overview.meetings),
        clients=overview.clients,
        names=overview.clients.names(),
        values={key: params.get(key, "") for key in ("from", "before", "client")},
        export_query=request.url.query,
        errors=errors,
        status_code=422 if errors else 200,
    )


@router.get("/meetings/export.csv")
async def export_meetings(
    request: Request,
    user: WebUser,
    export: Annotated[ExportMeetings, Depends(provided(Container.export_meetings))],
) -> Response:
    errors: dict[str, str] = {}
    chosen = meeting_filter(user, request.query_params, errors)
    if errors:
        raise InvalidInput(next(iter(errors.values())))
    return await csv_download(export.execute(chosen))


def _meeting_fields(form: FormData, user: UserView) -> dict[str, Any]:
    return {
        "client_id": optional(form, "client_id"),
        "starts_at": local_datetime(form, "starts_at", user.time_zone),
        "duration_minutes": number(form, "duration_minutes"),
        "revenue": text(form, "revenue").strip() or "0",
        "notes": optional(form, "notes"),
    }


def _form(
    request: Request,
    user: UserView,
    clients: ClientChoices,
    values: Mapping[str, Any],
    *,
    meeting_id: UUID | None = None,
    version: object = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "meeting_form.html",
        user=user,
        clients=clients,
        values=values,
        meeting_id=meeting_id,
        version=version,
        errors=errors,
        status_code=status_code,
    )


@router.get("/meetings/new")
async def new_meeting_page(
    request: Request,
    user: WebUser,
    choices: Annotated[ListClientChoices, Depends(provided(Container.client_choices))],
) -> Response:
    clients = await choices.execute(user.id)
    values = {"client_id": request.query_params.get("client", ""), "duration_minutes": "60"}
    return _form(request, user, clients, values)


@router.post("/meetings/new")
async def schedule_meeting(
    request: Request,
    form: Submitted,
    user: WebUser,
    submit: Annotated[
        SubmitMeetingForm[ScheduleMeetingCommand],
        Depends(provided(Container.schedule_meeting_form)),
    ],
) -> Response:
    try:
        cmd, errors = parse(MeetingIn, _meeting_fields(form, user)).to_command(user.id), {}
    except FormInvalid as invalid:
        cmd, errors = None, dict(invalid.errors)
    outcome = await submit.execute(user.id, cmd)
    if outcome.saved:
        return redirect("/meetings?done=meeting_scheduled")
    return _form_again(request, user, outcome, form, errors)


def _form_again(
    request: Request,
    user: UserView,
    outcome: MeetingFormOutcome,
    form: FormData,
    errors: Mapping[str, str],
    meeting_id: UUID | None = None,
) -> Response:
    """A refused form, shown again as it was typed, its errors beside their fields."""
    if outcome.refusal is not None:
        errors = errors_of(outcome.refusal)
    assert outcome.clients is not None  # noqa: S101  (always there when not saved)
    return _form(
        request,
        user,
        outcome.clients,
        form,
        meeting_id=meeting_id,
        version=text(form, "version") if meeting_id else None,
        errors=errors,
        status_code=form_status(errors),
    )


@router.get("/meetings/{meeting_id}/edit")
async def edit_meeting_page(
    request: Request,
    meeting_id: UUID,
    user: WebUser,
    edit: Annotated[EditMeeting, Depends(provided(Container.edit_meeting))],
) -> Response:
    editing = await edit.execute(user.id, meeting_id)
    meeting = editing.meeting.view
    values = {
        "client_id": str(meeting.client_id or ""),
        "starts_at": wall_clock(meeting.starts_at, user.time_zone),
        "duration_minutes": str(meeting.duration_minutes),
        "revenue": f"{meeting.revenue:.2f}",
        "notes": meeting.notes or "",
    }
    return _form(
        request,
        user,
        editing.clients,
        values,
        meeting_id=meeting_id,
        version=editing.meeting.version,
    )


@router.post("/meetings/{meeting_id}/edit")
async def save_meeting(
    request: Request,
    meeting_id: UUID,
    form: Submitted,
    user: WebUser,
    submit: Annotated[
        SubmitMeetingForm[UpdateMeetingCommand],
        Depends(provided(Container.update_meeting_form)),
    ],
) -> Response:
    try:
        body = parse(MeetingPatch, _meeting_fields(form, user))
        cmd, errors = body.to_command(user.id, meeting_id, version_seen(form)), {}
    except FormInvalid as invalid:
        cmd, errors = None, dict(invalid.errors)
    outcome = await submit.execute(user.id, cmd)
    if outcome.saved:
        return redirect("/meetings?done=meeting_saved")
    return _form_again(request, user, outcome, form, errors, meeting_id)


@router.post("/meetings/{meeting_id}/delete")
async def delete_meeting(
    request: Request,
    meeting_id: UUID,
    form: Submitted,
    user: WebUser,
    delete: Annotated[DeleteMeeting, Depends(provided(Container.delete_meeting))],
) -> Response:
    try:
        await delete.execute(user.id, meeting_id, precondition=version_seen(form))
    except PreconditionFailed as error:
        return nothing_changed(
            request, user, error, f"/meetings/{meeting_id}/edit", "Nothing was changed"
        )
    return redirect("/meetings?done=meeting_deleted")
