from rest_framework import serializers

from ..models import Department, Section, ServiceCentre, Window


class ServiceCentreSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", queryset=ServiceCentre.objects.all(), allow_null=True,
                                          required=False)

    class Meta:
        model = ServiceCentre
        fields = ["code", "name", "level", "parent", "region_code", "address", "phone", "opening_hours",
                  "weekend_service", "accepts_county_wide", "is_active"]


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "code", "name", "department"]


class DepartmentSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "credit_code", "region_code", "phone", "order", "sections"]


class WindowSerializer(serializers.ModelSerializer):
    centre = serializers.SlugRelatedField(slug_field="code", queryset=ServiceCentre.objects.all())

    class Meta:
        model = Window
        fields = ["id", "centre", "number", "name", "kind", "is_active"]
