"""The pages over the use cases: forms, errors beside fields, ownership, import, export."""

from __future__ import annotations

import re

import pytest

from application.auth import RegisterUserCommand
from container import Container

from .web_helpers import Browser, SignUp, sign_up_with

_CLIENT_LINK = re.compile(r'href="/clients/([0-9a-f-]{36})"')
_MEETING_EDIT = re.compile(r'href="/meetings/([0-9a-f-]{36})/edit"')


async def _add_client(browser: Browser, name: str, **extra: str) -> str:
    await browser.page("/clients/new")
    added = await browser.submit("/clients/new", {"name": name, **extra})
    assert added.status_code == 303, added.text
    return added.headers["location"].split("/")[2].split("?")[0]


@pytest.mark.parametrize(
    "storage_kind",
    ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)
async def test_a_client_with_contacts_and_meetings_on_its_page(
    browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    client_id = await _add_client(
        browser,
        "Analytical Engines",
        company="Babbage & Co",
        **{
            "contacts.0.kind": "email",
            "contacts.0.value": "charles@example.com",
            "contacts.0.label": "work",
            "contacts.1.kind": "phone",
            "contacts.1.value": "+44 20 7946 0958",
        },
    )
    await browser.page("/meetings/new")
    scheduled = await browser.submit(
        "/meetings/new",
        {
            "client_id": client_id,
            "starts_at": "2099-03-02T09:30",
            "duration_minutes": "90",
            "revenue": "1250.00",
        },
    )
    assert scheduled.status_code == 303, scheduled.text
    page = await browser.page(f"/clients/{client_id}")
    assert page.status_code == 200
    assert "charles@example.com" in page.text
    assert "+44 20 7946 0958" in page.text
    assert "2099-03-02 09:30" in page.text
    assert "1,250.00" in page.text
    dashboard = await browser.page("/")
    assert "2099-03-02 09:30" in dashboard.text  # the next meetings
    assert "Analytical Engines" in dashboard.text
    assert 'class="revenue-chart" id="dashboard-revenue"' in dashboard.text
    assert 'id="dashboard-revenue-table"' in dashboard.text
    clients = await browser.page("/clients?q=babbage")
    assert "Analytical Engines" in clients.text


async def test_another_user_s_client_is_not_found(
    browser: Browser, other_browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    client_id = await _add_client(browser, "Private")
    await sign_up_with(other_browser, "bob@example.com")
    for path in (f"/clients/{client_id}", f"/clients/{client_id}/edit"):
        response = await other_browser.page(path)
        assert response.status_code == 404, path
        assert "The client does not exist." in response.text
        assert "Private" not in response.text
        assert 'id="sign-out"' in response.text  # still signed in: the page has its header
    await other_browser.page("/clients")
    refused = await other_browser.submit(f"/clients/{client_id}/delete")
    assert refused.status_code == 404
    assert (await browser.page(f"/clients/{client_id}")).status_code == 200
    assert (await other_browser.page("/clients/not-an-id")).status_code == 404


async def test_errors_are_shown_beside_their_fields(browser: Browser, sign_up: SignUp) -> None:
    await sign_up()
    await browser.page("/clients/new")
    refused = await browser.submit(
        "/clients/new",
        {
            "name": "   ",
            "contacts.1.kind": "phone",
            "contacts.1.value": "call me",
        },
    )
    assert refused.status_code == 422
    assert 'id="name-error"' in refused.text
    assert 'id="contacts-1-value-error"' in refused.text  # the row it came from
    assert 'aria-describedby="name-error"' in refused.text
    assert 'value="call me"' in refused.text  # what was typed stays

    await _add_client(browser, "Ada")
    await browser.page("/clients/new")
    taken = await browser.submit("/clients/new", {"name": "ADA"})
    assert taken.status_code == 422
    assert "A client with this name already exists." in taken.text
    assert 'id="name-error"' in taken.text

    await browser.page("/meetings/new")
    bad = await browser.submit(
        "/meetings/new", {"starts_at": "soon", "duration_minutes": "0", "revenue": "1.234"}
    )
    assert bad.status_code == 422
    for field in ("starts_at", "duration_minutes", "revenue"):
        assert f'id="{field}-error"' in bad.text, field


async def test_a_refused_meeting_form_comes_back_with_its_picker(
    browser: Browser, other_browser: Browser, sign_up: SignUp
) -> None:
    """One use case per request: the refusal and the picker come from the same call."""
    await sign_up()
    mine = await _add_client(browser, "Mine")
    await sign_up_with(other_browser, "bob@example.com")
    theirs = await _add_client(other_browser, "Theirs")
    await browser.page("/meetings/new")
    fields = {"starts_at": "2026-01-10T09:00", "duration_minutes": "60", "revenue": "10"}
    refused = await browser.submit("/meetings/new", {**fields, "client_id": theirs})
    assert refused.status_code == 422
    assert 'id="client_id-error"' in refused.text
    assert f'value="{mine}"' in refused.text
    assert "Theirs" not in refused.text
    done = await browser.submit("/meetings/new", {**fields, "client_id": mine})
    assert done.status_code == 303
    meeting_id = _MEETING_EDIT.search((await browser.page("/meetings")).text)
    assert meeting_id is not None
    await browser.page(f"/meetings/{meeting_id.group(1)}/edit")
    stale = await browser.submit(
        f"/meetings/{meeting_id.group(1)}/edit", {**fields, "client_id": mine, "version": "9"}
    )
    assert stale.status_code == 409
    assert f'value="{mine}"' in stale.text
    assert 'name="version" value="9"' in stale.text
    await other_browser.page("/meetings/new")
    someone_elses = await other_browser.submit(
        f"/meetings/{meeting_id.group(1)}/edit", {**fields, "version": "1"}
    )
    assert someone_elses.status_code == 404


async def test_an_edit_carries_the_version_it_was_made_from(
    browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    client_id = await _add_client(browser, "Versioned")
    form = await browser.page(f"/clients/{client_id}/edit")
    assert 'name="version" value="1"' in form.text
    first = await browser.submit(
        f"/clients/{client_id}/edit", {"name": "Versioned Ltd", "version": "1"}
    )
    assert first.status_code == 303
    stale = await browser.submit(
        f"/clients/{client_id}/edit", {"name": "Something else", "version": "1"}
    )
    assert stale.status_code == 409
    assert "has changed since you read it" in stale.text
    page = await browser.page(f"/clients/{client_id}")
    assert "Versioned Ltd" in page.text


async def test_contacts_are_added_and_removed(browser: Browser, sign_up: SignUp) -> None:
    await sign_up()
    client_id = await _add_client(browser, "Contactable")
    await browser.page(f"/clients/{client_id}/contacts/new")
    bad = await browser.submit(
        f"/clients/{client_id}/contacts/new", {"kind": "email", "value": "not an address"}
    )
    assert bad.status_code == 422
    assert 'id="value-error"' in bad.text
    added = await browser.submit(
        f"/clients/{client_id}/contacts/new", {"kind": "email", "value": "grace@example.com"}
    )
    assert added.status_code == 303
    page = await browser.page(f"/clients/{client_id}")
    assert "grace@example.com" in page.text
    remove = re.search(r'action="(/clients/[^"]+/contacts/[^"]+/delete)"', page.text)
    assert remove is not None
    removed = await browser.submit(remove.group(1))
    assert removed.status_code == 303
    assert "grace@example.com" not in (await browser.page(f"/clients/{client_id}")).text


async def test_meetings_are_filtered_edited_deleted_and_exported(
    browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    client_id = await _add_client(browser, "Filtered")
    for starts_at, client in (("2026-01-10T09:00", client_id), ("2026-02-10T09:00", "")):
        await browser.page("/meetings/new")
        done = await browser.submit(
            "/meetings/new",
            {
                "client_id": client,
                "starts_at": starts_at,
                "duration_minutes": "60",
                "revenue": "100",
            },
        )
        assert done.status_code == 303, done.text
    january = await browser.page("/meetings?from=2026-01-01&before=2026-02-01")
    assert "2026-01-10 09:00" in january.text
    assert "2026-02-10 09:00" not in january.text
    by_client = await browser.page(f"/meetings?client={client_id}")
    assert "2026-01-10 09:00" in by_client.text
    assert "2026-02-10 09:00" not in by_client.text
    backwards = await browser.page("/meetings?from=2026-02-01&before=2026-01-01")
    assert backwards.status_code == 422
    assert 'id="before-error"' in backwards.text

    export = await browser.get("/meetings/export.csv?from=2026-01-01&before=2026-02-01")
    assert export.status_code == 200
    assert export.headers["content-disposition"] == 'attachment; filename="meetings.csv"'
    lines = export.text.strip().splitlines()
    assert lines[0] == "id,client_id,client_name,starts_at,duration_minutes,revenue,notes"
    assert len(lines) == 2
    assert "Filtered" in lines[1]

    meeting_id = _MEETING_EDIT.search(january.text)
    assert meeting_id is not None
    edit = await browser.page(f"/meetings/{meeting_id.group(1)}/edit")
    assert 'value="2026-01-10T09:00"' in edit.text
    saved = await browser.submit(
        f"/meetings/{meeting_id.group(1)}/edit",
        {
            "client_id": client_id,
            "starts_at": "2026-01-11T10:00",
            "duration_minutes": "30",
            "revenue": "50",
            "version": "1",
        },
    )
    assert saved.status_code == 303, saved.text
    assert "2026-01-11 10:00" in (await browser.page("/meetings")).text
    await browser.page(f"/meetings/{meeting_id.group(1)}/edit")
    deleted = await browser.submit(f"/meetings/{meeting_id.group(1)}/delete", {"version": "2"})
    assert deleted.status_code == 303
    assert "2026-01-11 10:00" not in (await browser.page("/meetings")).text


async def test_the_revenue_report_by_month_and_by_client(browser: Browser, sign_up: SignUp) -> None:
    await sign_up()
    client_id = await _add_client(browser, "Reported")
    await browser.page("/meetings/new")
    await browser.submit(
        "/meetings/new",
        {
            "client_id": client_id,
            "starts_at": "2026-03-05T10:00",
            "duration_minutes": "90",
            "revenue": "1200",
        },
    )
    by_month = await browser.page("/reports/revenue?from=2026-01-01&before=2027-01-01&by=month")
    assert by_month.status_code == 200
    assert "2026-03" in by_month.text
    assert "1,200.00" in by_month.text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="revenue-chart" id="revenue"' in (
        by_month.text
    )
    assert 'id="revenue-table"' in by_month.text
    by_client = await browser.page("/reports/revenue?from=2026-01-01&before=2027-01-01&by=client")
    assert "Reported" in by_client.text
    link = "/reports/revenue.csv?from=2026-01-01&amp;before=2027-01-01&amp;by=client"
    assert f'href="{link}"' in by_client.text
    wrong = await browser.page("/reports/revenue?from=2027-01-01&before=2026-01-01")
    assert wrong.status_code == 422
    assert 'id="before-error"' in wrong.text


async def test_the_report_download_lists_every_group(browser: Browser, sign_up: SignUp) -> None:
    """The page's table stops at the chart's bars by client; the CSV has every client."""
    await sign_up()
    for index, name in enumerate(["=Formula", *(f"Client {n:02d}" for n in range(11))]):
        client_id = await _add_client(browser, name)
        await browser.page("/meetings/new")
        scheduled = await browser.submit(
            "/meetings/new",
            {
                "client_id": client_id,
                "starts_at": f"2026-03-{index + 1:02d}T10:00",
                "duration_minutes": "60",
                "revenue": str(100 + index),
            },
        )
        assert scheduled.status_code == 303, scheduled.text
    period = "from=2026-01-01&before=2027-01-01&by=client"
    page = await browser.page(f"/reports/revenue?{period}")
    assert "2 others" in page.text
    assert page.text.count('<th scope="row">') == 10 + 1 + 1  # bars, others, total

    download = await browser.get(f"/reports/revenue.csv?{period}")

    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == (
        'attachment; filename="revenue-by-client-2026-01-01-2027-01-01.csv"'
    )
    lines = download.text.splitlines()
    assert lines[0] == "key,label,meetings,minutes,revenue"
    assert len(lines) == 1 + 12 + 1
    assert lines[1].split(",")[1:] == ["Client 10", "1", "60", "111.00"]
    assert any(line.split(",")[1] == "'=Formula" for line in lines)
    assert lines[-1] == ",Total,12,720,1266.00"
    refused = await browser.get("/reports/revenue.csv?from=2027-01-01&before=2026-01-01")
    assert refused.status_code == 422


async def test_an_import_lists_every_rejected_line(browser: Browser, sign_up: SignUp) -> None:
    await sign_up()
    csv = (
        "name,company,contacts\n"
        "Good One,Acme,email:one@example.com\n"
        ",No name,\n"
        "Bad Phone,,phone:call me\n"
        "Good Two,,\n"
        "good one,,\n"
    )
    await browser.page("/import")
    result = await browser.submit(
        "/import", files={"file": ("clients.csv", csv.encode(), "text/csv")}
    )
    assert result.status_code == 200, result.text
    assert "5 rows read: 2 imported, 3 rejected." in result.text
    rejected = re.findall(r'<tr><td class="num">(\d+)</td>', result.text)
    assert rejected == ["3", "4", "6"]
    clients = await browser.page("/clients")
    assert "Good One" in clients.text
    assert "Good Two" in clients.text

    unreadable = await browser.submit(
        "/import", files={"file": ("x.csv", b"nom,societe\nA,B\n", "text/csv")}
    )
    assert unreadable.status_code == 422
    assert 'id="file-error"' in unreadable.text
    assert "unknown column" in unreadable.text


async def test_only_admins_see_the_user_list(browser: Browser, sign_up: SignUp) -> None:
    await sign_up()
    page = await browser.page("/")
    assert 'href="/admin/users"' not in page.text
    refused = await browser.page("/admin/users")
    assert refused.status_code == 403
    assert "This requires an administrator." in refused.text


async def test_an_admin_sees_every_user(
    browser: Browser, sign_up: SignUp, container: Container
) -> None:
    await container.register_user().execute(
        RegisterUserCommand("root@example.com", "root password!", is_admin=True)
    )
    await sign_up("ada@example.com")
    await browser.submit("/logout")
    await browser.page("/login")
    await browser.submit("/login", {"email": "root@example.com", "password": "root password!"})
    page = await browser.page("/admin/users")
    assert page.status_code == 200
    assert "ada@example.com" in page.text
    assert "root@example.com" in page.text


async def test_an_unknown_page_is_an_html_404_for_browsers_only(browser: Browser) -> None:
    page = await browser.get("/no/such/page", headers={"accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in page.text
    program = await browser.get("/no/such/page")
    assert program.status_code == 404
    assert program.headers["content-type"] == "application/problem+json"
    api = await browser.get("/api/v1/nope", headers={"accept": "text/html"})
    assert api.headers["content-type"] == "application/problem+json"


async def test_meeting_times_are_entered_and_shown_in_the_user_s_time_zone(
    browser: Browser, sign_up: SignUp
) -> None:
    await sign_up()
    settings = await browser.page("/settings")
    assert '<option value="UTC" selected>' in settings.text
    refused = await browser.submit(
        "/settings/profile", {"full_name": "Ada", "time_zone": "Mars/Olympus", "version": "1"}
    )
    assert refused.status_code == 422
    assert 'id="time_zone-error"' in refused.text
    saved = await browser.submit(
        "/settings/profile", {"full_name": "Ada", "time_zone": "Europe/Paris", "version": "1"}
    )
    assert saved.status_code == 303, saved.text
    assert '<option value="Europe/Paris" selected>' in (await browser.page("/settings")).text

    form = await browser.page("/meetings/new")
    assert "Starts at (Europe/Paris)" in form.text
    # 09:30 in Paris is 08:30 UTC in January (CET) and 07:30 UTC in July (CEST).
    for starts_at in ("2026-01-15T09:30", "2026-07-15T09:30"):
        done = await browser.submit(
            "/meetings/new", {"starts_at": starts_at, "duration_minutes": "60", "revenue": "1"}
        )
        assert done.status_code == 303, done.text
        await browser.page("/meetings/new")
    export = await browser.get("/meetings/export.csv")
    stored = sorted(line.split(",")[3] for line in export.text.strip().splitlines()[1:])
    assert stored == ["2026-01-15T08:30:00Z", "2026-07-15T07:30:00Z"]
    listed = await browser.page("/meetings")
    assert "When (Europe/Paris)" in listed.text
    assert "2026-01-15 09:30" in listed.text
    assert "2026-07-15 09:30" in listed.text
    meeting_id = _MEETING_EDIT.search(listed.text)
    assert meeting_id is not None
    edit = await browser.page(f"/meetings/{meeting_id.group(1)}/edit")
    assert 'value="2026-07-15T09:30"' in edit.text  # the latest first

    # A day in a filter is that day in the user's zone: 00:30 in Paris on 16 January is
    # still 15 January in UTC.
    await browser.page("/meetings/new")
    late = await browser.submit(
        "/meetings/new", {"starts_at": "2026-01-16T00:30", "duration_minutes": "30"}
    )
    assert late.status_code == 303
    day = await browser.page("/meetings?from=2026-01-16&before=2026-01-17")
    assert "2026-01-16 00:30" in day.text
    assert "2026-01-15 09:30" not in day.text
