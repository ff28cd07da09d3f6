"""Meetings, and their CSV export, always scoped to the caller."""

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import StreamingResponse

from application.meetings import (
    DeleteMeeting,
    ExportMeetings,
    GetMeeting,
    ListMeetings,
    ScheduleMeeting,
    UpdateMeeting,
)
from container import Container
from domain.pagination import MAX_OFFSET, PageRequest
from domain.queries import MeetingFilter, MeetingQuery, MeetingSort
from entrypoints.http.conditional import ETAG_HEADER, IfMatch, tagged
from entrypoints.http.problems import problems
from entrypoints.http.provide import provided
from entrypoints.http.rendering import ViewResponse
from entrypoints.http.routers import API_PREFIX, created
from entrypoints.http.schemas.fields import WHOLE_NUMBER, IsoDatetime
from entrypoints.http.schemas.meetings import MeetingIn, MeetingOut, MeetingPage, MeetingPatch
from entrypoints.http.security import CurrentUser

router = APIRouter(
    prefix=f"{API_PREFIX}/meetings",
    tags=["meetings"],
    responses=problems(401),
)


async def meeting_filter(
    user: CurrentUser,
    client_id: Annotated[UUID | None, Query(description="Only this client's meetings.")] = None,
    starts_from: Annotated[
        IsoDatetime | None,
        Query(alias="from", description="Meetings starting at or after (with an offset)."),
    ] = None,
    starts_before: Annotated[
        IsoDatetime | None,
        Query(alias="to", description="Meetings starting before (with an offset)."),
    ] = None,
) -> MeetingFilter:
    return MeetingFilter(
        owner_id=user.id,
        client_id=client_id,
        starts_from=starts_from,
        starts_before=starts_before,
    )


Filter = Annotated[MeetingFilter, Depends(meeting_filter)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MeetingOut,
    summary="Schedule (or record) a meeting",
    responses={**created("meeting"), **problems(404, 422)},
)
async def schedule_meeting(
    body: MeetingIn,
    user: CurrentUser,
    schedule: Annotated[ScheduleMeeting, Depends(provided(Container.schedule_meeting))],
) -> ViewResponse:
    meeting = await schedule.execute(body.to_command(owner_id=user.id))
    location = f"{API_PREFIX}/meetings/{meeting.id}"
    return ViewResponse(meeting, status_code=201, headers={"Location": location})


@router.get("", response_model=MeetingPage, summary="List my meetings", responses=problems(422))
async def list_meetings(
    meetings: Filter,
    list_meetings: Annotated[ListMeetings, Depends(provided(Container.list_meetings))],
    limit: Annotated[int, Query(ge=1, le=100), WHOLE_NUMBER] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET), WHOLE_NUMBER] = 0,
    sort: MeetingSort = MeetingSort.STARTS_AT_DESC,
) -> ViewResponse:
    query = MeetingQuery(meetings, PageRequest(limit, offset), sort)
    return ViewResponse(await list_meetings.execute(query))


@router.get(
    "/export",
    response_class=StreamingResponse,
    summary="Download my meetings as CSV",
    description=(
        "Same filters as the listing, no paging; oldest first; streamed. A user has at "
        "most `CLIENTBOOK_LONG_REQUESTS_PER_USER` exports and reports running at once "
        "(429 `too_many_in_flight` beyond)."
    ),
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        **problems(422, 429, 503),
    },
)
async def export_meetings(
    meetings: Filter,
    export: Annotated[ExportMeetings, Depends(provided(Container.export_meetings))],
) -> StreamingResponse:
    return await csv_download(export.execute(meetings))


async def csv_download(lines: AsyncGenerator[str, None]) -> StreamingResponse:
    """The export as a download (the API's and the web app's)."""
    # Read the header and the first row now: a storage failure is still a clean problem
    # response here, where once streaming has begun it could only cut the connection.
    head = [line async for line in _take(lines, 2)]
    return StreamingResponse(
        _chain(head, lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="meetings.csv"'},
    )


async def _take(lines: AsyncIterator[str], count: int) -> AsyncIterator[str]:
    for _ in range(count):
        try:
            yield await anext(lines)
        except StopAsyncIteration:
            return


async def _chain(head: list[str], rest: AsyncGenerator[str, None]) -> AsyncIterator[str]:
    try:
        for line in head:
            yield line
        async for line in rest:
            yield line
    finally:
        # Also when the download is cut short: the export gives its slot back now.
        await rest.aclose()


@router.get(
    "/{meeting_id:uuid}",
    response_model=MeetingOut,
    summary="One meeting",
    responses={200: {"headers": ETAG_HEADER}, **problems(404, 422)},
)
async def get_meeting(
    meeting_id: UUID,
    user: CurrentUser,
    get: Annotated[GetMeeting, Depends(provided(Container.get_meeting))],
) -> ViewResponse:
    return tagged(await get.execute(user.id, meeting_id))


@router.patch(
    "/{meeting_id:uuid}",
    response_model=MeetingOut,
    summary="Change a meeting",
    responses={200: {"headers": ETAG_HEADER}, **problems(404, 409, 412, 422)},
)
async def update_meeting(
    meeting_id: UUID,
    body: MeetingPatch,
    user: CurrentUser,
    precondition: IfMatch,
    update: Annotated[UpdateMeeting, Depends(provided(Container.update_meeting))],
) -> ViewResponse:
    return tagged(await update.execute(body.to_command(user.id, meeting_id, precondition)))


@router.delete(
    "/{meeting_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a meeting",
    responses=problems(404, 412, 422),
)
async def delete_meeting(
    meeting_id: UUID,
    user: CurrentUser,
    precondition: IfMatch,
    delete: Annotated[DeleteMeeting, Depends(provided(Container.delete_meeting))],
) -> Response:
    await delete.execute(user.id, meeting_id, precondition=precondition)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
