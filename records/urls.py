"""The client's own records under /me/records/ (each name is in tests/test_url_matrix.py)."""

app_name = "records"

urlpatterns: list = []
