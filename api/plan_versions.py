"""API v1 for plan versions: list, propose, sign, refuse, preview (issue 14).

A version's rules apply only once every member precinct has signed; the rules of
the service (schedules.services.plan_versions) decide who may do what."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import request_serializers
from api.request_views import preview_data
from api.schema import ProblemSerializer
from api.serializers import JSONInputSerializer
from api.views import ClientMixin, valid_input, visible_precinct
from precincts.models import Precinct
from schedules.models import PlanSignature, PlanVersion, Strategy
from schedules.services import plan_versions


class PlanSignatureSerializer(serializers.ModelSerializer):
    precinct = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = PlanSignature
        fields = ["precinct", "decision", "reason", "signer_label", "signed_at"]


class PlanVersionSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    signatures = PlanSignatureSerializer(many=True, read_only=True)
    awaiting = serializers.SerializerMethodField(
        help_text="Codes of the member precincts that have not answered yet."
    )

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "plan",
            "number",
            "rules",
            "note",
            "status",
            "created_at",
            "decided_at",
            "signatures",
            "awaiting",
        ]

    def get_awaiting(self, version) -> list[str]:
        if version.status != "proposed":
            return []
        answered = {s.precinct_id for s in version.signatures.all()}
        waiting = [pk for pk in plan_versions.signers_of(version) if pk not in answered]
        return list(
            Precinct.objects.filter(pk__in=waiting)
            .order_by("code")
            .values_list("code", flat=True)
        )


class PlanVersionCreateSerializer(JSONInputSerializer):
    plan = serializers.SlugField(help_text="Plan code.")
    members = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        help_text="Precinct codes in rotation order (default: as in force).",
    )
    window_start = serializers.TimeField(required=False)
    window_end = serializers.TimeField(required=False)
    slot_minutes = serializers.IntegerField(
        min_value=15, max_value=1440, required=False
    )
    min_officers = serializers.IntegerField(min_value=1, max_value=100, required=False)
    rest_hours = serializers.IntegerField(min_value=0, max_value=72, required=False)
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    valid_from = serializers.DateField(required=False)
    valid_until = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)


class SignSerializer(JSONInputSerializer):
    precinct = serializers.SlugField(help_text="The precinct signing (its code).")


class RefuseSerializer(SignSerializer):
    reason = serializers.CharField(max_length=255)


@extend_schema_view(
    list=extend_schema(summary="Versions of the plans the client may see"),
    retrieve=extend_schema(summary="One plan version with its signatures"),
    create=extend_schema(
        summary="Propose a plan version (commanders of a member precinct)",
        description="Rules not given stay as in force. The version applies once "
        "every member precinct has signed; until then the rules in force keep "
        "generating.",
        request=PlanVersionCreateSerializer,
        responses={201: PlanVersionSerializer},
    ),
)
class PlanVersionViewSet(
    ClientMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = PlanVersionSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            PlanVersion.objects.filter(plan__in=self.client.visible_plans())
            .select_related("plan")
            .prefetch_related("signatures__precinct")
            .order_by("plan__code", "-number")
        )

    def create(self, request, *args, **kwargs):
        self.require_person()
        data = dict(valid_input(PlanVersionCreateSerializer, request))
        plan = self.client.visible_plans().filter(code=data.pop("plan")).first()
        if plan is None:
            raise serializers.ValidationError({"plan": ["No such plan."]})
        note = data.pop("note", "")
        if "members" in data:
            data["members"] = [
                visible_precinct(self.client, code, "members").pk
                for code in data["members"]
            ]
        rules = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in data.items()
        }
        version = plan_versions.propose_version(
            plan=plan, rules=rules, by=request.user, note=note
        )
        return Response(
            PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED
        )

    def _answer(self, serializer_class, service, **extra):
        self.require_person()
        data = valid_input(serializer_class, self.request)
        precinct = visible_precinct(self.client, data["precinct"], "precinct")
        version = service(
            version=self.get_object(),
            precinct=precinct,
            by=self.request.user,
            **{k: data[k] for k in extra},
        )
        return Response(PlanVersionSerializer(version).data)

    @extend_schema(
        summary="Sign a version for a precinct (its commander or its Polres's)",
        request=SignSerializer,
        responses={200: PlanVersionSerializer, 409: ProblemSerializer},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._answer(SignSerializer, plan_versions.sign_version)

    @extend_schema(
        summary="Refuse a version for a precinct, with a reason",
        request=RefuseSerializer,
        responses={200: PlanVersionSerializer, 409: ProblemSerializer},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._answer(RefuseSerializer, plan_versions.refuse_version, reason=True)

    @extend_schema(
        summary="Dry run: the coming shifts the version would move if it applied",
        responses={200: request_serializers.PreviewSerializer},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        effect = plan_versions.preview_version(version=self.get_object())
        return Response(preview_data(effect))
