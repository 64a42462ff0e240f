"""/workspace/reports/: the reports dashboard of a bot (charts and tables), for the workspace's
admins."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from agents.errors import ApplicationError
from agents.models import Membership

from .. import charts
from ..models import Bot
from ..reports import handoff_report, report_csv, report_range
from .auth import AuthenticatedHttpRequest


@login_required
def reports_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    admin_of = Membership.objects.filter(user=request.user, role=Membership.Role.ADMIN)
    bots = list(
        Bot.objects.filter(workspace__in=admin_of.values("workspace")).order_by("name", "pk")
    )
    if not bots:
        raise PermissionDenied(_("Reports are for workspace admins."))
    bot = next((b for b in bots if b.bot_id == request.GET.get("bot")), bots[0])
    error = ""
    try:
        start, end = report_range(request.GET)
    except ApplicationError as exc:
        error = exc.message
        start, end = report_range({})
    report = handoff_report(bot=bot, start=start, end=end)
    if request.GET.get("format") == "csv" and not error:
        response = HttpResponse(report_csv(report), content_type="text/csv")
        name = f"handoffs-{bot.bot_id}-{report['from']}-{report['to']}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    agent_rows = [{**row, "title": row["name"]} for row in report["agents"]]
    label_rows = [{**row, "title": row["label"]} for row in report["labels"]]
    totals = report["totals"]
    return render(
        request,
        "handoffs/reports.html",
        {
            "bots": bots,
            "bot": bot,
            "report": report,
            "start": start,
            "end": end,
            "error": error,
            "agent_rows": agent_rows,
            "label_rows": label_rows,
            "day_rows": [
                {**day, "day": date.fromisoformat(day["date"]), "open": charts.still_open(day)}
                for day in report["days"]
            ],
            "time_rows": [
                {"title": title, "median": totals[f"{key}_median"], "p90": totals[f"{key}_p90"]}
                for key, title in charts.TIME_SERIES
            ],
            "csat_rows": [{"title": _("All handoffs"), **totals}, *agent_rows],
            "hour_rows": list(zip(WEEKDAYS_ABBR.values(), report["hours"], strict=True)),
            "hour_columns": [f"{hour:02d}" for hour in range(24)],
            "charts": {
                "days": charts.outcomes_by_day(report["days"], chart_id="chart-days"),
                "times": charts.times_by_row(
                    [{"title": _("All handoffs"), **totals}],
                    key="title",
                    chart_id="chart-times",
                    title=_("Median waiting, handling and first-response time"),
                ),
                "agents": charts.times_by_row(
                    agent_rows,
                    key="title",
                    chart_id="chart-agents",
                    title=_("Median times per agent"),
                ),
                "labels": charts.times_by_row(
                    label_rows,
                    key="title",
                    chart_id="chart-labels",
                    title=_("Median times per label"),
                ),
                "hours": charts.hour_heatmap(report["hours"], chart_id="chart-hours"),
            },
        },
    )
