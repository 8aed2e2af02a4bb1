from rest_framework import serializers

from onewindow.org.models import Department, Section

from ..models import GuideVersion, Material, ServiceItem, Topic


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["id", "order", "name", "kind", "issuer", "originals", "copies", "necessity", "form", "source",
                  "acceptance_standard", "notes"]


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["code", "name", "audience"]


class ServiceItemListSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = ServiceItem
        fields = ["id", "implementation_code", "basic_code", "name", "item_type", "department", "department_name",
                  "case_kind", "statutory_days", "promised_days", "max_visits", "county_wide", "weekend_service",
                  "published_version"]


class ServiceItemSerializer(serializers.ModelSerializer):
    """Full item with materials. Writes go through the catalog services (validation = Model.clean)."""

    materials = MaterialSerializer(many=True, read_only=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    section = serializers.PrimaryKeyRelatedField(queryset=Section.objects.all(), allow_null=True, required=False)
    topics = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Topic.objects.all(), required=False)
    target_groups = serializers.ListField(child=serializers.CharField(max_length=2))
    handling_forms = serializers.ListField(child=serializers.CharField(max_length=2))

    class Meta:
        model = ServiceItem
        exclude = ["search_pinyin", "search_initials", "serves_citizens", "serves_enterprises"]
        read_only_fields = ["published_version", "updated_at"]


class GuideVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GuideVersion
        fields = ["item", "number", "status", "published_at", "change_note", "snapshot"]


class PublishSerializer(serializers.Serializer):
    change_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
