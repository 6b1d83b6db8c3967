"""The administrators' console under /ops/ (each name is in tests/test_url_matrix.py)."""

app_name = "ops"

urlpatterns: list = []
