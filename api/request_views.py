"""API v1 for blackout and swap requests: list, ask, decide, withdraw."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api import filters, request_serializers
from api.schema import ProblemSerializer
from api.views import ClientMixin, valid_input, visible_precinct, visible_shift
from schedules.selectors import impact as request_selectors
from schedules.services import requests as schedule_requests


@extend_schema_view(
    list=extend_schema(summary="Blackouts of the precincts the client may see"),
    retrieve=extend_schema(summary="One blackout"),
    create=extend_schema(
        summary="Ask for a blackout",
        description="A duty officer's request waits for a commander; a commander's "
        "own request is approved at once. A precinct's write-scoped key (a "
        "personnel system feeding leave) may ask too; its request waits for a "
        "commander like a person's.",
        request=request_serializers.BlackoutCreateSerializer,
        responses={201: request_serializers.BlackoutSerializer},
    ),
)
class BlackoutViewSet(
    ClientMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = request_serializers.BlackoutSerializer
    filterset_class = filters.BlackoutFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            self.client.visible_blackouts()
            .select_related("precinct")
            .order_by("-start", "pk")
        )

    def create(self, request, *args, **kwargs):
        self.require_asker()
        data = valid_input(request_serializers.BlackoutCreateSerializer, request)
        precinct = visible_precinct(self.client, data["precinct"], "precinct")
        blackout = schedule_requests.request_blackout(
            precinct=precinct,
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
            category=data["category"],
            override=data.get("override", ""),
            by=request.user,
        )
        return Response(
            self.get_serializer(blackout).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Approve a pending blackout (commanders)",
        description="Regenerates the nights it touches; `moved` lists every shift "
        "that changed hands. Refused (400, field `override`) if a precinct would "
        "hold more slots on a night than it can staff, unless `override` says why.",
        request=request_serializers.ApprovalSerializer,
        responses={200: request_serializers.BlackoutSerializer, 409: ProblemSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        self.require_person()
        data = valid_input(request_serializers.ApprovalSerializer, request)
        blackout = schedule_requests.approve_blackout(
            blackout=self.get_object(),
            by=request.user,
            note=data.get("note", ""),
            override=data.get("override", ""),
        )
        return Response(self.get_serializer(blackout).data)

    @extend_schema(
        summary="Dry run: what approving the blackout now would move",
        responses={200: request_serializers.PreviewSerializer},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        effect = schedule_requests.preview_blackout(blackout=self.get_object())
        return Response(preview_data(effect))

    @extend_schema(
        summary="Reject a pending blackout (commanders)",
        request=request_serializers.DecisionSerializer,
        responses={200: request_serializers.BlackoutSerializer, 409: ProblemSerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        self.require_person()
        data = valid_input(request_serializers.DecisionSerializer, request)
        blackout = schedule_requests.reject_blackout(
            blackout=self.get_object(), by=request.user, note=data.get("note", "")
        )
        return Response(self.get_serializer(blackout).data)


@extend_schema_view(
    list=extend_schema(summary="Swap requests on shifts the client may see"),
    retrieve=extend_schema(summary="One swap request"),
    create=extend_schema(
        summary="Ask to hand over or trade a shift",
        description="With `counter_shift`, a trade; without, a hand-over. It is "
        "carried out once the receiving precinct has accepted and a commander of "
        "the asking precinct has approved. A precinct's write-scoped key may ask "
        "too; its request waits for both like a person's.",
        request=request_serializers.SwapCreateSerializer,
        responses={201: request_serializers.SwapSerializer},
    ),
)
class SwapViewSet(ClientMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = request_serializers.SwapSerializer
    filterset_class = filters.SwapFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            self.client.visible_swaps()
            .select_related("from_precinct", "to_precinct")
            .order_by("-created_at", "pk")
        )

    def create(self, request, *args, **kwargs):
        self.require_asker()
        data = valid_input(request_serializers.SwapCreateSerializer, request)
        shifts = self.client.visible_shifts()
        shift = visible_shift(shifts, data["shift"], "shift")
        counter = None
        if data.get("counter_shift"):
            counter = visible_shift(shifts, data["counter_shift"], "counter_shift")
        swap = schedule_requests.request_swap(
            shift=shift,
            to_precinct=visible_precinct(
                self.client, data["to_precinct"], "to_precinct"
            ),
            counter_shift=counter,
            note=data.get("note", ""),
            by=request.user,
        )
        return Response(
            request_serializers.SwapSerializer(swap).data,
            status=status.HTTP_201_CREATED,
        )

    def _decide(self, service, **kwargs):
        self.require_person()
        swap = service(swap=self.get_object(), by=self.request.user, **kwargs)
        return Response(request_serializers.SwapSerializer(swap).data)

    def _answer(self, service):
        data = valid_input(request_serializers.ApprovalSerializer, self.request)
        return self._decide(
            service, note=data.get("note", ""), override=data.get("override", "")
        )

    @extend_schema(
        summary="Approve a swap (commanders of the asking precinct)",
        description="Carried out when the receiving precinct has accepted too "
        "(either order). A second approval is 409.",
        request=request_serializers.ApprovalSerializer,
        responses={200: request_serializers.SwapSerializer, 409: ProblemSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._answer(schedule_requests.approve_swap)

    @extend_schema(
        summary="Accept a swap (the receiving precinct's duty officers and commanders)",
        description="Carried out when the asking precinct's commander has approved "
        "too (either order). Two acceptances at once: one succeeds, the other 409.",
        request=request_serializers.ApprovalSerializer,
        responses={200: request_serializers.SwapSerializer, 409: ProblemSerializer},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(schedule_requests.accept_swap)

    @extend_schema(
        summary="Reject a swap (commanders of the asking precinct, or the "
        "receiving precinct)",
        request=request_serializers.DecisionSerializer,
        responses={200: request_serializers.SwapSerializer, 409: ProblemSerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = valid_input(request_serializers.DecisionSerializer, request)
        return self._decide(schedule_requests.reject_swap, note=data.get("note", ""))

    @extend_schema(
        summary="Refuse a swap (the receiving precinct; same as reject)",
        request=request_serializers.DecisionSerializer,
        responses={200: request_serializers.SwapSerializer, 409: ProblemSerializer},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self.reject(request, pk)

    @extend_schema(
        summary="Dry run: what carrying the swap out now would move",
        responses={200: request_serializers.PreviewSerializer},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        effect = schedule_requests.preview_swap(swap=self.get_object())
        return Response(preview_data(effect))

    @extend_schema(
        summary="Withdraw a pending swap (the asking precinct)",
        request=None,
        responses={200: request_serializers.SwapSerializer, 409: ProblemSerializer},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._decide(schedule_requests.withdraw_swap)


def preview_data(effect) -> dict:
    return request_serializers.PreviewSerializer(
        {"moved": effect.moved, "breaks": effect.breaks}
    ).data


class PendingDecisionsView(ClientMixin, APIView):
    """What waits on the caller: swaps to accept or approve, blackouts to decide."""

    @extend_schema(
        summary="Requests waiting on the caller's decision",
        responses={200: request_serializers.PendingDecisionsSerializer},
    )
    def get(self, request):
        # A system key decides nothing: its list is empty.
        waiting = request_selectors.pending_for(request.user)
        swaps = [swap.pk for swap in waiting["swaps"]]
        blackouts = [blackout.pk for blackout in waiting["blackouts"]]
        return Response(
            {"swaps": swaps, "blackouts": blackouts, "count": len(swaps + blackouts)}
        )
