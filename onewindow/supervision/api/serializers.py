from __future__ import annotations

from rest_framework import serializers

from onewindow.org.models import Department

from ..choices import FeedbackKind
from ..models import Handoff, HandoffFeedback


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "credit_code"]


class FeedbackSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(read_only=True)

    class Meta:
        model = HandoffFeedback
        fields = ["kind", "text", "visit_date", "follow_up", "at", "actor_name", "department"]


class HandoffSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    item_code = serializers.CharField(source="case.item.implementation_code", read_only=True)
    item_name = serializers.CharField(source="case.item.name", read_only=True)
    deciding_department = serializers.CharField(source="case.department.name", read_only=True)
    case_status = serializers.CharField(source="case.status", read_only=True)
    decision_opinion = serializers.CharField(source="case.decision_opinion", read_only=True)
    completed_at = serializers.DateTimeField(source="case.completed_at", read_only=True)
    department = DepartmentRefSerializer(read_only=True)
    pool = serializers.BooleanField(source="in_pool", read_only=True)
    feedback = FeedbackSerializer(many=True, read_only=True)

    class Meta:
        model = Handoff
        fields = ["id", "kind", "status", "summary", "data", "case_number", "item_code", "item_name",
                  "deciding_department", "case_status", "decision_opinion", "completed_at", "department", "pool",
                  "created_at", "claim_due", "claimed_at", "claimed_on_time", "claimed_from_pool", "escalation",
                  "closed_at", "feedback"]


class ClaimSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False,
                                                    help_text="从认领池认领且本人属于多个部门时必填")


class FeedbackCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeedbackKind.choices)
    text = serializers.CharField(max_length=4000)
    visit_date = serializers.DateField(required=False, allow_null=True)
    follow_up = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    close = serializers.BooleanField(required=False, default=False)
