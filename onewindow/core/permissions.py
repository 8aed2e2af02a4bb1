from rest_framework import permissions


class PublicReadModelWrite(permissions.DjangoModelPermissions):
    """Anyone may read public reference data; writes need the model permission from the user's role groups."""

    def has_permission(self, request, view):  # type: ignore[no-untyped-def]
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view)


class StaffModelPermissions(permissions.DjangoModelPermissions):
    """Reads and writes both need the model permission (staff-only resources)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }
