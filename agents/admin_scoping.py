"""The Django admin for workspace admins: each sees and edits only their own workspaces.

Superusers keep the whole admin. A non-superuser staff user who is an admin of a workspace
gets every model that uses these mixins, filtered to those workspaces; nothing else, and no
Django permissions to set up by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from .json_input import BoundedJSONDecoder
from .models import Membership


def admin_workspace_ids(request: HttpRequest) -> list[int]:
    """The workspaces the requesting user administers; cached for the request."""
    cached: list[int] | None = getattr(request, "_admin_workspace_ids", None)
    if cached is not None:
        return cached
    user = request.user
    ids: list[int] = []
    if user.is_authenticated and user.is_active and user.is_staff:
        ids = list(
            Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values_list(
                "workspace_id", flat=True
            )
        )
    # An attribute of our own on the request, as Django's auth middleware does; the stubs
    # declare only HttpRequest's own attributes.
    request._admin_workspace_ids = ids  # type: ignore[attr-defined]
    return ids


def is_workspace_admin(request: HttpRequest) -> bool:
    return bool(admin_workspace_ids(request))


def _scoped_choices(
    site: admin.AdminSite, request: HttpRequest, model: type[models.Model]
) -> QuerySet | None:
    """Choices of a relation for a workspace admin: what the related model's admin shows."""
    related_admin = site._registry.get(model)
    if isinstance(related_admin, WorkspaceScopedAdmin):
        return related_admin.get_queryset(request)
    if model is Membership.user.field.related_model:
        # People: the members of the admin's workspaces, never every account of the site.
        return model._default_manager.filter(
            memberships__workspace_id__in=admin_workspace_ids(request)
        ).distinct()
    return None


if TYPE_CHECKING:
    # The mixins are only ever combined with a ModelAdmin or an InlineModelAdmin; for the type
    # checker they are one, so `super()` and `self.admin_site` resolve. At run time: object.
    _AdminBase = admin.options.BaseModelAdmin[Any]
else:
    _AdminBase = object


class _ScopedPermissions(_AdminBase):
    # Whether a workspace admin may add or delete rows of this model (they may always view
    # and change those of their workspaces).
    workspace_admin_can_add = True
    workspace_admin_can_delete = True

    def has_module_permission(self, request: HttpRequest) -> bool:
        if request.user.is_superuser:
            return super().has_module_permission(request)
        return is_workspace_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return is_workspace_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return is_workspace_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if request.user.is_superuser:
            return super().has_add_permission(request, *args)
        return self.workspace_admin_can_add and is_workspace_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return self.workspace_admin_can_delete and is_workspace_admin(request)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.JSONField) and db_field.decoder is None:
            # Deeply nested JSON typed in a form is a form error, not a RecursionError (500).
            kwargs.setdefault("decoder", BoundedJSONDecoder)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            choices = _scoped_choices(self.admin_site, request, db_field.related_model)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            choices = _scoped_choices(self.admin_site, request, db_field.related_model)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        fields = list(super().get_autocomplete_fields(request))
        if request.user.is_superuser:
            return fields
        # The user admin is superuser-only: its autocomplete would answer 403; a filtered
        # select works instead.
        return [name for name in fields if name != "user"]


class WorkspaceScopedAdmin(_ScopedPermissions):
    """Mixin for a ModelAdmin: `workspace_path` leads from the model to its Workspace."""

    workspace_path = "workspace"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # A subquery, not a join: a path through many rows (a user's memberships) would
        # otherwise repeat rows.
        in_scope = queryset.model._default_manager.filter(
            **{f"{self.workspace_path}__in": admin_workspace_ids(request)}
        ).values("pk")
        return queryset.filter(pk__in=in_scope)


class WorkspaceScopedInline(_ScopedPermissions):
    """Mixin for an inline of a scoped admin: the parent object is already in scope."""
