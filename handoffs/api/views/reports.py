"""Handoff reports for a date range, as JSON or CSV (admins and API tokens)."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from agents.errors import Forbidden

from ...reports import handoff_report, report_csv, report_range
from ..access import BotApiView
from ..schema import errors


class TimesRepresentation(serializers.Serializer):
    handoffs = serializers.IntegerField()
    resolved = serializers.IntegerField()
    waiting_median = serializers.FloatField(allow_null=True, help_text="Seconds, created->assigned")
    waiting_p90 = serializers.FloatField(allow_null=True)
    handling_median = serializers.FloatField(
        allow_null=True, help_text="Seconds, assigned->resolved"
    )
    handling_p90 = serializers.FloatField(allow_null=True)
    first_response_median = serializers.FloatField(
        allow_null=True, help_text="Seconds, created->first agent message"
    )
    first_response_p90 = serializers.FloatField(allow_null=True)
    csat_average = serializers.FloatField(
        allow_null=True, help_text="Mean satisfaction rating (1-5) of the rated handoffs"
    )
    csat_count = serializers.IntegerField(help_text="How many handoffs were rated")


class DayRepresentation(serializers.Serializer):
    date = serializers.DateField()
    created = serializers.IntegerField()
    resolved = serializers.IntegerField()
    expired = serializers.IntegerField()
    rejected = serializers.IntegerField()


class AgentTimesRepresentation(TimesRepresentation):
    agent_id = serializers.IntegerField()
    name = serializers.CharField()


class LabelTimesRepresentation(TimesRepresentation):
    # DRF's metaclass takes declared fields out of the class, so this does not replace
    # Field.label; the stubs cannot know.
    label = serializers.CharField()  # type: ignore[assignment]


class SlaBreachesRepresentation(serializers.Serializer):
    first_response = serializers.IntegerField()
    resolution = serializers.IntegerField()


# `from` is a Python keyword, hence the class built by name.
ReportRepresentation = type(
    "ReportRepresentation",
    (serializers.Serializer,),
    {
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "totals": TimesRepresentation(),
        "days": DayRepresentation(many=True),
        "agents": AgentTimesRepresentation(many=True),
        "labels": LabelTimesRepresentation(many=True),
        "hours": serializers.ListField(
            child=serializers.ListField(child=serializers.IntegerField()),
            help_text="Handoffs created per ISO weekday (Monday first) and hour, UTC: 7 x 24",
        ),
        "sla_breaches": SlaBreachesRepresentation(
            help_text="SLA breaches of the handoffs created in the range, per target."
        ),
    },
)


RANGE = [
    OpenApiParameter("from", date, description="First day (UTC), default six days before `to`"),
    OpenApiParameter("to", date, description="Last day (UTC), inclusive; default today"),
]


class _ReportApi(BotApiView):
    def _report(self, request: Request) -> dict:
        if self.caller.membership is not None and not self.caller.membership.is_admin:
            raise Forbidden("Reports are for workspace admins.", code="admin_required")
        start, end = report_range(request.query_params)
        return handoff_report(bot=self.bot, start=start, end=end)


class ReportApi(_ReportApi):
    @extend_schema(
        operation_id="reports",
        tags=["reports"],
        summary="Handoffs per day, waiting and handling times, per agent and per label",
        description="Medians and nearest-rank p90s in seconds. Admins' sessions and API tokens.",
        parameters=RANGE,
        responses={200: ReportRepresentation, **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        return Response(self._report(request))


class ReportCsvApi(_ReportApi):
    @extend_schema(
        operation_id="reportsCsv",
        tags=["reports"],
        summary="The same report as a CSV download",
        parameters=RANGE,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV"),
            **errors(),
        },
    )
    def get(self, request: Request, bot_id: str) -> HttpResponse:
        report = self._report(request)
        response = HttpResponse(report_csv(report), content_type="text/csv")
        name = f"handoffs-{self.bot.bot_id}-{report['from']}-{report['to']}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
