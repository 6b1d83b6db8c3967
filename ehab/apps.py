from django.contrib.admin.apps import AdminConfig


class EhabAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.EhabAdminSite"
